/**
 * The capability algebra: typed permissions that are granted, narrowed, delegated, composed,
 * attested, expired and revoked, and checked in constant time per request.
 *
 * Differences from the claude-flow seed (each is a safety fix): returned capabilities are frozen
 * snapshots; operations look their arguments up by id, so a forged object grants nothing;
 * `revoke` and `expire` cascade through every derivation (delegate, restrict and compose) and
 * record who and why; constraints whose input is missing deny; `scope-restriction` matches whole
 * path segments; unknown constraint types deny; attestations can be verified with Ed25519;
 * delegation depth can be limited; time comes from an injectable clock; `check` is indexed.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AccessDeniedError, CapabilityNotFoundError, ConflictError, InvalidInputError } from '../errors.js';
import { encodeAttestationPayload, verifyAttestationSignature } from './algebra-attestation.js';
import { composedDefinition, isWithin, narrowedDefinition } from './algebra-derivation.js';
import { CapabilityIndex } from './algebra-index.js';
import { parseAlgebraOptions } from './algebra-options.js';
import { CapabilityRecord, capabilityObject, grantedCapability, type NewCapability } from './algebra-record.js';
import { restoreRecords, snapshotOf } from './algebra-snapshot.js';
import type {
  AlgebraCapability,
  AlgebraCheckResult,
  AttestationInput,
  AttestationVerification,
  CapabilityAlgebraConfig,
  CapabilityAlgebraSnapshot,
  CapabilityCheckContext,
  CapabilityLifecycleRecord,
  CapabilityReference,
  CapabilityRestrictions,
  GrantCapabilityParams,
} from './algebra-types.js';
import {
  ActionLists,
  parseAttestationInput,
  parseGrantParams,
  parseLifecycleInput,
  parseNonEmptyString,
  parseRestrictions,
  referenceId,
} from './algebra-validation.js';

/** Manages the lifecycle of capabilities and answers checks. Create one with {@link createCapabilityAlgebra}. */
export class CapabilityAlgebra {
  private readonly index: CapabilityIndex;
  private readonly now: Clock;
  private readonly maxDelegationDepth: number;
  private readonly attesterKeys: ReadonlyMap<string, KeyObject>;
  private readonly generateId: () => string;
  /** True when ids come from a custom `generateId` and must be checked for repeats. */
  private readonly checkIds: boolean;
  /** One frozen array per distinct action list, shared by every grant with that list. */
  private readonly actionLists = new ActionLists();

  /** @throws {@link InvalidInputError} naming the option at fault. */
  constructor(config: CapabilityAlgebraConfig = {}) {
    const settings = parseAlgebraOptions(config);
    this.now = settings.now;
    this.maxDelegationDepth = settings.maxDelegationDepth;
    this.attesterKeys = settings.attesterKeys;
    this.generateId = settings.generateId;
    this.checkIds = settings.checkIds;
    this.index = new CapabilityIndex(this.now);
  }

  /**
   * Restores an algebra from {@link CapabilityAlgebra.toJSON}'s snapshot (or its JSON parsed back).
   *
   * @throws {@link InvalidInputError} listing every problem when any capability or invariant fails
   * validation; nothing is restored then.
   */
  static fromJSON(snapshot: unknown, config: CapabilityAlgebraConfig = {}): CapabilityAlgebra {
    const algebra = new CapabilityAlgebra(config);
    for (const record of restoreRecords(snapshot, algebra.maxDelegationDepth)) algebra.index.add(record);
    return algebra;
  }

  /** Every capability, in creation order, as a JSON-ready snapshot. */
  toJSON(): CapabilityAlgebraSnapshot {
    return snapshotOf(this.index.all());
  }

  /**
   * Grants a new root capability.
   *
   * @throws {@link InvalidInputError} naming each invalid field.
   */
  grant(params: GrantCapabilityParams): AlgebraCapability {
    const grant = parseGrantParams(params, this.actionLists);
    const id = this.newId();
    const record = new CapabilityRecord(grantedCapability(grant, id, this.time()));
    this.index.add(record);
    return record.view();
  }

  /**
   * Derives a narrower capability for the same holder: actions intersect, constraints are added,
   * expiry only moves earlier, `delegatable` only turns off.
   *
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   * @throws {@link AccessDeniedError} when the capability is revoked or expired.
   */
  restrict(capability: CapabilityReference, restrictions: CapabilityRestrictions): AlgebraCapability {
    const source = this.resolve(capability, 'capability');
    const parsed = parseRestrictions(restrictions);
    const now = this.time();
    this.requireLive(source, now, 'restrict');
    const { grantedBy, grantedTo, delegationDepth } = source.definition;
    const target = { derivation: 'restrict', grantedBy, grantedTo, delegationDepth } as const;
    return this.store(narrowedDefinition(source, parsed, { ...target, id: this.newId(), grantedAt: now }));
  }

  /**
   * Passes a capability on to another agent, optionally narrowed further. The new capability is
   * granted by the source's holder and is one delegation level deeper.
   *
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   * @throws {@link AccessDeniedError} when the capability is not delegatable, revoked, expired, or
   * the delegation would exceed `maxDelegationDepth`.
   */
  delegate(
    capability: CapabilityReference,
    toAgentId: string,
    restrictions?: CapabilityRestrictions,
  ): AlgebraCapability {
    const source = this.resolve(capability, 'capability');
    const grantedTo = parseNonEmptyString(toAgentId, 'toAgentId');
    const parsed = parseRestrictions(restrictions);
    const now = this.time();
    const { id, delegatable, delegationDepth } = source.definition;
    if (!delegatable) throw new AccessDeniedError({ message: `Capability ${id} is not delegatable` });
    this.requireLive(source, now, 'delegate');
    if (delegationDepth + 1 > this.maxDelegationDepth) {
      throw new AccessDeniedError({
        message: `Delegating capability ${id} would exceed the maximum delegation depth of ${this.maxDelegationDepth}`,
      });
    }
    const target = {
      id: this.newId(),
      grantedAt: now,
      derivation: 'delegate',
      grantedBy: source.definition.grantedTo,
      grantedTo,
      delegationDepth: delegationDepth + 1,
    } as const;
    return this.store(narrowedDefinition(source, parsed, target));
  }

  /**
   * Intersects two capabilities into a new one held by the first one's holder. The result is
   * derived from both: revoking or expiring either ends it.
   *
   * @throws {@link CapabilityNotFoundError} when an id is not in this algebra.
   * @throws {@link AccessDeniedError} when either is revoked or expired.
   * @throws {@link InvalidInputError} when their scopes differ or their resources are different
   * concrete resources.
   */
  compose(first: CapabilityReference, second: CapabilityReference): AlgebraCapability {
    const left = this.resolve(first, 'first');
    const right = this.resolve(second, 'second');
    const now = this.time();
    this.requireLive(left, now, 'compose');
    this.requireLive(right, now, 'compose');
    const definition = composedDefinition(left, right, this.newId(), now);
    if (definition === undefined) {
      throw new InvalidInputError({
        message: `Cannot compose capabilities on ${left.definition.scope}:${left.definition.resource} and ${right.definition.scope}:${right.definition.resource}`,
        issues: [{ path: 'second', message: 'must cover the same scope and an overlapping resource' }],
      });
    }
    return this.store(definition);
  }

  /**
   * True when every request `inner` allows, `outer` allows too (holders aside): same scope, resource
   * and actions covered, `'*'` read as in `check`, every constraint of `outer` present on `inner`,
   * `inner` expiring no later, and `outer` not revoked unless `inner` is. Conservative: constraints
   * are compared by equality, so `false` can also mean "not provably contained".
   *
   * @throws {@link CapabilityNotFoundError} when an id is not in this algebra.
   */
  isSubset(inner: CapabilityReference, outer: CapabilityReference): boolean {
    return isWithin(this.resolve(inner, 'inner'), this.resolve(outer, 'outer'));
  }

  /**
   * Ends a capability now, and everything derived from it, for good: each records the expiry
   * (`expiration`) and none allows again, even if the clock is later set back. Returns the
   * capabilities whose expiry moved (the target first); one that had already run out keeps its
   * earlier `expiresAt` and is not listed.
   *
   * @param options.actor who expired it; recorded with `reason` on every affected capability.
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   */
  expire(
    capabilityId: CapabilityReference,
    reason?: string,
    options?: { actor?: string },
  ): readonly AlgebraCapability[] {
    const target = this.resolve(capabilityId, 'capabilityId');
    const input = parseLifecycleInput(reason, options);
    return this.endWithDescendants(target, { ...input, at: this.time() }, (record, entry) => record.expire(entry));
  }

  /**
   * Revokes a capability and everything derived from it; a revoked capability never allows again.
   * Returns the capabilities newly revoked (the target first).
   *
   * @param options.actor who revoked it; recorded with `reason` on every affected capability.
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   */
  revoke(
    capabilityId: CapabilityReference,
    reason?: string,
    options?: { actor?: string },
  ): readonly AlgebraCapability[] {
    const target = this.resolve(capabilityId, 'capabilityId');
    const input = parseLifecycleInput(reason, options);
    const clockTime = this.now();
    // Revocation must never fail, so a broken clock only costs the timestamp's accuracy.
    const at = Number.isFinite(clockTime) ? clockTime : Date.now();
    return this.endWithDescendants(target, { ...input, at }, (record, entry) => record.revoke(entry));
  }

  /**
   * Records an attestation. A signed attestation by an attester whose key is configured is
   * verified first.
   *
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   * @throws {@link InvalidInputError} when the attestation is malformed or its signature does not verify.
   */
  attest(capabilityId: CapabilityReference, attestation: AttestationInput): AlgebraCapability {
    const record = this.resolve(capabilityId, 'capabilityId');
    const input = parseAttestationInput(attestation);
    const recorded = Object.freeze({ ...input, attestedAt: this.time() });
    if (input.signature !== null && this.verify(record, recorded) === 'invalid') {
      throw new InvalidInputError({
        message: `The signature of ${input.attesterId}'s attestation does not verify for capability ${record.definition.id}`,
        issues: [{ path: 'signature', message: 'does not verify against the attester key' }],
      });
    }
    record.attest(recorded);
    this.index.changed(record);
    return record.view();
  }

  /**
   * Verifies every attestation on a capability against the configured attester keys.
   *
   * @throws {@link CapabilityNotFoundError} when the id is not in this algebra.
   */
  verifyAttestations(capabilityId: CapabilityReference): readonly AttestationVerification[] {
    const record = this.resolve(capabilityId, 'capabilityId');
    return Object.freeze(
      record.attestations.map((attestation) =>
        Object.freeze({ attestation, status: this.verify(record, attestation) }),
      ),
    );
  }

  /**
   * Whether `agentId` may perform `action` on `resource` in `scope` now, with every allowing
   * capability, or the closest reason for denial. Time comes from the algebra's clock; `context`
   * carries constraint inputs (`budgetUsed`, `currentUsage`, `targetResource`, condition keys).
   * Results are frozen and shared between calls.
   */
  check(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context?: CapabilityCheckContext,
  ): AlgebraCheckResult {
    return this.index.check(agentId, scope, resource, action, context);
  }

  /** `check(...).allowed`, stopping at the first allowing capability. */
  isAllowed(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context?: CapabilityCheckContext,
  ): boolean {
    return this.index.isAllowed(agentId, scope, resource, action, context);
  }

  /** Every capability held by an agent (revoked and expired ones included), in creation order. */
  getCapabilities(agentId: string): readonly AlgebraCapability[] {
    return Object.freeze(this.index.heldBy(agentId).map((record) => record.view()));
  }

  /** The capability with this id, or `undefined`. */
  getCapability(id: string): AlgebraCapability | undefined {
    return this.index.get(id)?.view();
  }

  /** The chain of restrictions and delegations from the root grant to this capability, root first; `[]` for an unknown id. */
  getDelegationChain(capabilityId: string): readonly AlgebraCapability[] {
    const chain: AlgebraCapability[] = [];
    for (let record = this.index.get(capabilityId); record !== undefined; ) {
      chain.push(record.view());
      const parentId = record.definition.parentCapabilityId;
      record = parentId === null ? undefined : this.index.get(parentId);
    }
    return Object.freeze(chain.reverse());
  }

  private store(fields: NewCapability): AlgebraCapability {
    const record = new CapabilityRecord(capabilityObject(fields));
    this.index.add(record);
    return record.view();
  }

  private resolve(reference: CapabilityReference, what: string): CapabilityRecord {
    const id = referenceId(reference, what);
    const record = this.index.get(id);
    if (record === undefined) throw new CapabilityNotFoundError({ id });
    return record;
  }

  private requireLive(record: CapabilityRecord, now: number, operation: string): void {
    if (!record.isEnded(now)) return;
    const state = record.revoked ? 'revoked' : 'expired';
    throw new AccessDeniedError({ message: `Cannot ${operation} capability ${record.definition.id}: it is ${state}` });
  }

  private endWithDescendants(
    target: CapabilityRecord,
    entry: Omit<CapabilityLifecycleRecord, 'cascadedFrom'>,
    end: (record: CapabilityRecord, entry: CapabilityLifecycleRecord) => boolean,
  ): readonly AlgebraCapability[] {
    const changed: AlgebraCapability[] = [];
    const cascaded = Object.freeze({ ...entry, cascadedFrom: target.definition.id });
    const descendants = this.index.descendantsOf(target.definition.id);
    for (const record of [target, ...descendants]) {
      const moved = end(record, record === target ? Object.freeze({ ...entry, cascadedFrom: null }) : cascaded);
      // Refreshed even when its expiry did not move: an expiry also seals a capability that had
      // already run out, so that a clock set back cannot revive it.
      this.index.changed(record);
      if (moved) changed.push(record.view());
    }
    return Object.freeze(changed);
  }

  private verify(record: CapabilityRecord, attestation: AttestationInput): AttestationVerification['status'] {
    if (attestation.signature === null || attestation.signature === undefined) return 'unsigned';
    const key = this.attesterKeys.get(attestation.attesterId);
    if (key === undefined) return 'unknown-attester';
    const payload = encodeAttestationPayload(record.definition, attestation);
    return verifyAttestationSignature(payload, attestation.signature, key) ? 'valid' : 'invalid';
  }

  private time(): number {
    const now = this.now();
    if (Number.isFinite(now)) return now;
    throw new InvalidInputError({
      message: 'The capability algebra clock returned a time that is not a finite number',
      issues: [{ path: 'now', message: 'must return finite epoch milliseconds' }],
    });
  }

  private newId(): string {
    const id = this.generateId();
    // 128-bit random ids do not collide; ids from a custom generator are checked.
    if (!this.checkIds) return id;
    if (typeof id !== 'string' || id.length === 0 || this.index.get(id) !== undefined) {
      throw new ConflictError({ message: `The id generator returned an empty or already used id: ${String(id)}` });
    }
    return id;
  }
}

/** Creates an empty capability algebra. Synchronous, no I/O. */
export function createCapabilityAlgebra(config?: CapabilityAlgebraConfig): CapabilityAlgebra {
  return new CapabilityAlgebra(config);
}
