/**
 * `SecurityContext`: one request's source, target session and policy, and the per-request
 * scope that carries it through async code (`withSecurityContext`, on `AsyncLocalStorage`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Capability } from './capabilities.js';
import { getDefaultSecurityEngine } from './default-engine.js';
import { InvalidInputError } from './errors.js';
import type { PolicyCheckResult } from './policy/checks.js';
import type { SandboxConfig, ToolPolicy } from './policy/config-schema.js';
import type { ResolvedPolicy } from './policy/resolve.js';
import type { SecurityEngine } from './security-engine.js';
import { readSource } from './source-validation.js';
import { createInjectionSource, type InjectionSource } from './sources.js';
import type { TrustLevel } from './trust.js';

/** What the seed's `whoami` introspection tool returns. */
export interface WhoamiResult {
  /** The caller's trust level. */
  trustLevel: TrustLevel;
  /** The caller's effective capabilities. */
  capabilities: Capability[];
  /** The caller's sandbox settings. */
  sandbox: SandboxConfig;
  /** Who the caller is. */
  source: InjectionSource;
  /** The session the request targets. */
  session: string;
  /** The caller's tool policy. */
  policy: { tools: ToolPolicy };
}

/** What the seed's `check` introspection tool returns. */
export interface CapabilityCheckResult {
  /** True when the capability is granted. */
  allowed: boolean;
  /** The capability asked about. */
  capability: Capability;
  /** Why not, when denied. */
  reason?: string;
}

/** One request's security context: immutable, bound to the engine that resolves its policy. */
export class SecurityContext {
  /** The injection source (a frozen copy). */
  readonly source: InjectionSource;
  /** The target session. */
  readonly session: string;
  /** The engine whose policy applies. */
  readonly engine: SecurityEngine;

  /**
   * @throws {@link InvalidInputError} for a source the engine refuses (an unknown type or trust
   * level, an inherited field or a getter). The context keeps the fields that were checked, read
   * once: a source answering a later read differently (a `Proxy`) cannot change its trust level.
   */
  constructor(source: InjectionSource, session: string, engine: SecurityEngine = getDefaultSecurityEngine()) {
    this.source = freezeSource(source, readSource(source));
    this.session = session;
    this.engine = engine;
    engine.resolvePolicy(this.source, session);
    Object.freeze(this);
  }

  /** The source's trust level. */
  get trustLevel(): TrustLevel {
    return this.source.trustLevel;
  }

  /** The effective capabilities (from the current configuration). */
  get capabilities(): Capability[] {
    return [...this.getResolvedPolicy().capabilities];
  }

  /** True when the capability is granted (honouring the enforcement mode). */
  hasCapability(capability: Capability): boolean {
    return this.checkCapability(capability).allowed;
  }

  /** True when the tool is allowed (honouring the enforcement mode). */
  isToolAllowed(toolName: string): boolean {
    return this.checkToolAccess(toolName).allowed;
  }

  /** True when the session is a gateway and this source may forward through it. */
  canForward(): boolean {
    return this.getResolvedPolicy().canForward;
  }

  /** The resolved policy (cached by the engine). */
  getResolvedPolicy(): ResolvedPolicy {
    return this.engine.resolvePolicy(this.source, this.session);
  }

  /** The full capability check result. */
  checkCapability(capability: Capability): PolicyCheckResult {
    return this.engine.checkCapability(this.source, this.session, capability);
  }

  /** The full tool check result. */
  checkToolAccess(toolName: string): PolicyCheckResult {
    return this.engine.checkToolAccess(this.source, this.session, toolName);
  }

  /** May this source inject into this session? */
  checkSessionAccess(): PolicyCheckResult {
    return this.engine.checkSessionAccess(this.source, this.session);
  }

  /** The seed's `whoami` introspection response. */
  whoami(): WhoamiResult {
    const policy = this.getResolvedPolicy();
    const tools: ToolPolicy = { deny: [...policy.tools.deny] };
    if (policy.tools.allow) tools.allow = [...policy.tools.allow];
    return {
      trustLevel: policy.trustLevel,
      capabilities: [...policy.capabilities],
      sandbox: structuredClone(policy.sandbox) as SandboxConfig,
      source: structuredClone(this.source) as InjectionSource,
      session: this.session,
      policy: { tools },
    };
  }

  /** The seed's `check` introspection response for one capability. */
  check(capability: Capability): CapabilityCheckResult {
    const result = this.checkCapability(capability);
    const reason = result.reason ?? result.warning;
    return reason === undefined || result.allowed
      ? { allowed: result.allowed, capability }
      : { allowed: false, capability, reason };
  }
}

/**
 * The identity a context creator is given: a non-blank string. A missing API key (an absent
 * header, say) would otherwise be fingerprinted as the text "undefined", making every anonymous
 * caller one and the same API client.
 */
function requireIdentity(value: unknown, path: string): string {
  if (typeof value === 'string' && value.trim().length > 0) return value;
  throw new InvalidInputError({
    message: `${path} must be a non-empty string`,
    issues: [{ path, message: 'must be a non-empty string' }],
  });
}

/**
 * A frozen copy of `source` whose policy fields are the `checked` ones (already frozen copies);
 * the rest (`sessionId`, `timestamp`) is copied as it is.
 */
function freezeSource(source: InjectionSource, checked: InjectionSource): InjectionSource {
  const copy: InjectionSource = { ...source, type: checked.type, trustLevel: checked.trustLevel };
  delete copy.identity;
  delete copy.grantedCapabilities;
  if (checked.identity) copy.identity = checked.identity;
  if (checked.grantedCapabilities) copy.grantedCapabilities = checked.grantedCapabilities;
  return Object.freeze(copy);
}

/** Creates a context for `source` in `session`, on `engine` (default: the default engine). */
export function createSecurityContext(
  source: InjectionSource,
  session: string,
  engine?: SecurityEngine,
): SecurityContext {
  return new SecurityContext(source, session, engine);
}

/** A context for the local command line (owner). */
export function createCliContext(session: string, engine?: SecurityEngine): SecurityContext {
  return new SecurityContext(createInjectionSource('cli'), session, engine);
}

/** A context for the local daemon (owner). */
export function createDaemonContext(session: string, engine?: SecurityEngine): SecurityContext {
  return new SecurityContext(createInjectionSource('daemon'), session, engine);
}

/**
 * A context for a plugin (semi-trusted unless given).
 *
 * @throws {@link InvalidInputError} when `pluginName` is missing, blank or not a string.
 */
export function createPluginContext(
  pluginName: string,
  session: string,
  trustLevel?: TrustLevel,
  engine?: SecurityEngine,
): SecurityContext {
  const identity = { pluginName: requireIdentity(pluginName, 'pluginName') };
  const source = createInjectionSource('plugin', { identity, ...(trustLevel ? { trustLevel } : {}) });
  return new SecurityContext(source, session, engine);
}

/**
 * A context for a known P2P peer at the given trust level.
 *
 * @throws {@link InvalidInputError} when `publicKey` is missing, blank or not a string.
 */
export function createP2PContext(
  session: string,
  publicKey: string,
  trustLevel: TrustLevel,
  engine?: SecurityEngine,
): SecurityContext {
  const identity = { publicKey: requireIdentity(publicKey, 'publicKey') };
  return new SecurityContext(createInjectionSource('p2p', { trustLevel, identity }), session, engine);
}

/**
 * A context for a peer found by discovery (untrusted).
 *
 * @throws {@link InvalidInputError} when `publicKey` is missing, blank or not a string.
 */
export function createP2PDiscoveryContext(
  session: string,
  publicKey: string,
  engine?: SecurityEngine,
): SecurityContext {
  const identity = { publicKey: requireIdentity(publicKey, 'publicKey') };
  return new SecurityContext(createInjectionSource('p2p-discovery', { identity }), session, engine);
}

/**
 * A context for an API client (semi-trusted unless given). The key itself is never kept: the
 * source's `identity.userId` is a fingerprint of it (`key:` and 16 hex digits of its SHA-256).
 *
 * @throws {@link InvalidInputError} when `apiKey` is missing, blank or not a string.
 */
export function createApiContext(
  session: string,
  apiKey: string,
  trustLevel?: TrustLevel,
  engine?: SecurityEngine,
): SecurityContext {
  const key = requireIdentity(apiKey, 'apiKey');
  const userId = `key:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  const source = createInjectionSource('api', { identity: { userId }, ...(trustLevel ? { trustLevel } : {}) });
  return new SecurityContext(source, session, engine);
}
