import {
  AccessDeniedError,
  type AlgebraCapability,
  type CapabilityAlgebra,
  CapabilityNotFoundError,
  type CapabilityRegistry,
  type Clock,
  createCapabilityAlgebra,
  type InjectionSource,
  InvalidInputError,
  parseTtl,
  type SecurityEventEmitter,
} from '@warden/core';
import type { HostConfig } from './config.js';

/** The algebra scope of host grants: the resource is a session name, the actions are capability names. */
const SESSION_SCOPE = 'session';

/** Who grants the host agents' root capabilities. */
const ROOT_AUTHORITY = 'operator';

/**
 * The agent id the capability algebra knows a source by: `operator:<name>`, `api:<id>`,
 * `p2p:<publicKey>`. Host agents are `agent:<name>`. A request forwarded by a gateway has none:
 * capabilities delegated to the sender do not travel through the gateway.
 */
export function agentIdOf(source: InjectionSource): string | undefined {
  const identity = source.identity ?? {};
  if (source.type === 'cli' && identity.userId) return `operator:${identity.userId}`;
  if (source.type === 'api' && identity.userId) return `api:${identity.userId}`;
  if ((source.type === 'p2p' || source.type === 'p2p-discovery') && identity.publicKey)
    return `p2p:${identity.publicKey}`;
  return undefined;
}

/** A delegation as asked for over HTTP (already validated for shape). */
interface DelegationRequest {
  /** The holder whose capability is passed on; defaults to the caller. Operators may name a host agent (`agent:<name>`). */
  from?: string | undefined;
  /** The agent receiving it. */
  to: string;
  /** The session it applies to. */
  session: string;
  /** Capability names to pass on (a subset of what `from` holds). */
  capabilities: string[];
  /** How long it lasts; at most the configured `maxDelegationTtl`. */
  ttl?: string | number | undefined;
  /** May the receiver pass it on again (within `maxDelegationDepth`)? @default false */
  delegatable?: boolean | undefined;
}

/** Delegated grants between agents, on core's capability algebra. */
export interface Delegations {
  /** The capability names `source` holds in `session` through the algebra. */
  grantedCapabilities(source: InjectionSource, session: string): string[];
  /** `source` with its delegated capabilities attached, as the policy engine's last layer. */
  withGrants(source: InjectionSource, session: string): InjectionSource;
  /** Passes a capability on; returns it with its chain from the root grant. */
  delegate(
    caller: InjectionSource,
    request: DelegationRequest,
  ): { capability: AlgebraCapability; chain: AlgebraCapability[] };
  /** Revokes a capability and everything derived from it; returns what was revoked. */
  revoke(caller: InjectionSource, capabilityId: string, reason: string | undefined): readonly AlgebraCapability[];
}

type DelegationConfig = Pick<HostConfig, 'agents' | 'maxDelegationDepth' | 'maxDelegationTtl'>;

interface DelegationContext {
  registry: CapabilityRegistry;
  events: SecurityEventEmitter;
  now: Clock;
}

/** Creates the host's algebra and grants the configured host agents their root capabilities. */
export function createDelegations(config: DelegationConfig, context: DelegationContext): Delegations {
  const algebra = createCapabilityAlgebra({ now: context.now, maxDelegationDepth: config.maxDelegationDepth });
  for (const [name, agent] of Object.entries(config.agents)) {
    for (const grant of agent.grants) {
      algebra.grant({
        scope: SESSION_SCOPE,
        resource: grant.session,
        actions: grant.capabilities,
        grantedBy: ROOT_AUTHORITY,
        grantedTo: `agent:${name}`,
        delegatable: grant.delegatable,
      });
    }
  }
  const grantedCapabilities = (source: InjectionSource, session: string): string[] => {
    const agentId = agentIdOf(source);
    if (agentId === undefined) return [];
    return context.registry.list().filter((name) => algebra.isAllowed(agentId, SESSION_SCOPE, session, name));
  };
  return {
    grantedCapabilities,
    withGrants(source, session) {
      const granted = grantedCapabilities(source, session);
      return granted.length === 0 ? source : { ...source, grantedCapabilities: granted };
    },
    delegate: (caller, request) => delegate(algebra, config, context, caller, request),
    revoke: (caller, capabilityId, reason) => revoke(algebra, context, caller, capabilityId, reason),
  };
}

function delegate(
  algebra: CapabilityAlgebra,
  config: DelegationConfig,
  context: DelegationContext,
  caller: InjectionSource,
  request: DelegationRequest,
): { capability: AlgebraCapability; chain: AlgebraCapability[] } {
  const { from, to } = authorizeDelegation(caller, request);
  for (const name of request.capabilities) {
    if (!context.registry.has(name)) throw invalid('capabilities', `${name} is not a registered capability`);
  }
  const ttlMs = parseTtl(request.ttl ?? config.maxDelegationTtl);
  if (ttlMs > parseTtl(config.maxDelegationTtl)) throw invalid('ttl', `must be at most ${config.maxDelegationTtl}`);
  const source = findDelegatable(algebra, from, request, context.now());
  const capability = algebra.delegate(source.id, to, {
    actions: request.capabilities,
    expiresAt: context.now() + ttlMs,
    delegatable: request.delegatable ?? false,
  });
  const chain = [...algebra.getDelegationChain(capability.id)];
  const { id, actions, expiresAt } = capability;
  context.events.emit({
    type: 'capability_delegated',
    source: caller,
    session: request.session,
    details: {
      step: 'delegation',
      capabilityId: id,
      from,
      to,
      actions,
      expiresAt,
      chain: chain.map((link) => link.id),
    },
  });
  return { capability, chain };
}

function revoke(
  algebra: CapabilityAlgebra,
  context: DelegationContext,
  caller: InjectionSource,
  capabilityId: string,
  reason: string | undefined,
): readonly AlgebraCapability[] {
  const capability = algebra.getCapability(capabilityId);
  if (!capability) throw new CapabilityNotFoundError({ id: capabilityId });
  const actor = agentIdOf(caller);
  const mayRevoke = caller.trustLevel === 'owner' || actor === capability.grantedBy || actor === capability.grantedTo;
  if (!mayRevoke) {
    throw new AccessDeniedError({ message: 'Only an operator, the delegator or the holder may revoke a capability' });
  }
  const revoked = algebra.revoke(capabilityId, reason, actor === undefined ? {} : { actor });
  context.events.emit({
    type: 'capability_revoked',
    source: caller,
    session: capability.resource,
    details: {
      step: 'delegation',
      capabilityId,
      revoked: revoked.map((entry) => entry.id),
      reason,
    },
  });
  return revoked;
}

function authorizeDelegation(caller: InjectionSource, request: DelegationRequest): { from: string; to: string } {
  const callerId = agentIdOf(caller);
  if (callerId === undefined)
    throw new AccessDeniedError({ message: 'This source cannot hold or delegate capabilities' });
  const from = request.from ?? callerId;
  const actingForHostAgent = caller.trustLevel === 'owner' && from.startsWith('agent:');
  if (from !== callerId && !actingForHostAgent) {
    throw new AccessDeniedError({
      message: 'A caller may delegate only its own capabilities (operators: also those of host agents)',
    });
  }
  if (request.to === from) throw invalid('to', 'must differ from the delegating agent');
  return { from, to: request.to };
}

function findDelegatable(
  algebra: CapabilityAlgebra,
  from: string,
  request: DelegationRequest,
  now: number,
): AlgebraCapability {
  const covers = (capability: AlgebraCapability) =>
    !capability.revoked &&
    (capability.expiresAt === null || capability.expiresAt > now) &&
    capability.delegatable &&
    capability.scope === SESSION_SCOPE &&
    (capability.resource === request.session || capability.resource === '*') &&
    request.capabilities.every((name) => capability.actions.includes(name) || capability.actions.includes('*'));
  const found = algebra.getCapabilities(from).find(covers);
  if (!found) {
    throw new AccessDeniedError({
      message: `${from} holds no live, delegatable capability covering ${request.capabilities.join(', ')} in session ${request.session}`,
    });
  }
  return found;
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError({ message: `Invalid delegation: ${path} ${message}`, issues: [{ path, message }] });
}
