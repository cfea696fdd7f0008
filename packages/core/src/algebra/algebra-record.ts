/**
 * The algebra's internal, mutable record of one capability. Its definition never changes; only
 * its lifecycle (revocation, early expiry, attestations) does, and every change rebuilds the
 * frozen view handed to callers. `evaluate` is the rule a check applies; `check` reads the same
 * numbers from its candidate lists (`algebra-candidates.ts`) and calls `evaluate` only for what
 * numbers cannot decide. It reads plain fields of one class shape and allocates nothing.
 *
 * @module
 */
import { evaluateFolded, type FoldedConstraints, foldConstraints } from './algebra-constraint-plan.js';
import { ALLOWED, DENIED_ACTION, DENIED_EXPIRED, DENIED_REVOKED } from './algebra-outcomes.js';
import type {
  AlgebraCapability,
  Attestation,
  CapabilityCheckContext,
  CapabilityLifecycleRecord,
} from './algebra-types.js';
import type { ParsedGrant } from './algebra-validation.js';
import { WILDCARD } from './algebra-wildcards.js';

/** The fields of a capability that never change after it is created. */
type CapabilityDefinition = Omit<
  AlgebraCapability,
  'expiresAt' | 'revoked' | 'revokedAt' | 'revocation' | 'expiration' | 'attestations'
>;

/** The fields a new capability is created from: its definition and its initial expiry. */
export type NewCapability = CapabilityDefinition & Pick<AlgebraCapability, 'expiresAt'>;

const NO_ATTESTATIONS: readonly Attestation[] = Object.freeze([]);

/** The parts of a capability that change after it is created. */
export type CapabilityLifecycle = Pick<
  AlgebraCapability,
  'revoked' | 'revokedAt' | 'revocation' | 'expiration' | 'attestations'
>;

const PRISTINE: CapabilityLifecycle = Object.freeze({
  revoked: false,
  revokedAt: null,
  revocation: null,
  expiration: null,
  attestations: NO_ATTESTATIONS,
});

const NO_SOURCES: readonly string[] = Object.freeze([]);

/**
 * A new root capability, frozen, built straight from validated `grant` parameters: `grant` is
 * called in bulk, and an intermediate object per grant is garbage the load has to collect. Its
 * fields are in {@link capabilityObject}'s order, so that both make objects of one shape.
 */
export function grantedCapability(grant: ParsedGrant, id: string, grantedAt: number): AlgebraCapability {
  return Object.freeze({
    id,
    scope: grant.scope,
    resource: grant.resource,
    actions: grant.actions,
    constraints: grant.constraints,
    grantedBy: grant.grantedBy,
    grantedTo: grant.grantedTo,
    grantedAt,
    expiresAt: grant.expiresAt,
    delegatable: grant.delegatable,
    revoked: false,
    revokedAt: null,
    revocation: null,
    expiration: null,
    attestations: NO_ATTESTATIONS,
    parentCapabilityId: null,
    derivation: 'grant',
    derivedFrom: NO_SOURCES,
    delegationDepth: 0,
  });
}

/**
 * A frozen capability object. Built field by field (not by spreading) because object spread is
 * several times slower in V8, and `grant` is called in bulk.
 */
export function capabilityObject(
  fields: NewCapability,
  lifecycle: CapabilityLifecycle = PRISTINE,
  expiresAt: number | null = fields.expiresAt,
): AlgebraCapability {
  return Object.freeze({
    id: fields.id,
    scope: fields.scope,
    resource: fields.resource,
    actions: fields.actions,
    constraints: fields.constraints,
    grantedBy: fields.grantedBy,
    grantedTo: fields.grantedTo,
    grantedAt: fields.grantedAt,
    expiresAt,
    delegatable: fields.delegatable,
    revoked: lifecycle.revoked,
    revokedAt: lifecycle.revokedAt,
    revocation: lifecycle.revocation,
    expiration: lifecycle.expiration,
    attestations: lifecycle.attestations,
    parentCapabilityId: fields.parentCapabilityId,
    derivation: fields.derivation,
    derivedFrom: fields.derivedFrom,
    delegationDepth: fields.delegationDepth,
  });
}

/** One capability inside the algebra. The fields `evaluate` reads come first. */
export class CapabilityRecord {
  /** True when the actions are `['*']`. */
  readonly allActions: boolean;
  /**
   * The actions as bits of the index's action table; set by the index when it adds the record.
   * Actions beyond the table's bits are found with `includes` (see `unlistedActions`).
   */
  actionMask = 0;
  /** True when some action has no bit in the index's action table. */
  unlistedActions = false;
  /** True once revoked. */
  revoked: boolean;
  /** Effective expiry; `Infinity` when none. */
  expiresAt: number;
  /** The folded constraints, or `null` when it has none (most capabilities). */
  readonly folded: FoldedConstraints | null;
  /** The fixed fields (the capability as it was created or restored). */
  readonly definition: AlgebraCapability;
  /** Who revoked it, when and why. */
  revocation: CapabilityLifecycleRecord | null;
  /** Who expired it early, when and why. */
  expiration: CapabilityLifecycleRecord | null;
  /** Claims recorded about it. */
  attestations: readonly Attestation[];
  private cachedView: AlgebraCapability | undefined;
  /** Its position in the index's table of capabilities; set by the index when it adds the record. */
  slot = -1;

  /**
   * @param capability a validated, deeply frozen capability; it doubles as the first view, so
   * creating a capability builds one object.
   */
  constructor(capability: AlgebraCapability) {
    this.allActions = capability.actions[0] === WILDCARD;
    this.revoked = capability.revoked;
    this.expiresAt = capability.expiresAt ?? Number.POSITIVE_INFINITY;
    this.folded = capability.constraints.length === 0 ? null : foldConstraints(capability.constraints);
    this.definition = capability;
    this.revocation = capability.revocation;
    this.expiration = capability.expiration;
    this.attestations = capability.attestations;
    this.cachedView = capability;
  }

  /**
   * {@link ALLOWED} when this capability allows the action now, otherwise a denial code.
   *
   * @param actionBit the action's bit in the index's action table (0 when it has none)
   */
  evaluate(actionBit: number, action: string, context: CapabilityCheckContext | undefined, now: number): number {
    if (!this.allActions && (this.actionMask & actionBit) === 0) {
      if (!this.unlistedActions || !this.definition.actions.includes(action)) return DENIED_ACTION;
    }
    if (this.revoked) return DENIED_REVOKED;
    // "now < expiresAt" rather than "now >= expiresAt" so that a NaN clock denies.
    if (this.expiredForGood || !(now < this.expiresAt)) return DENIED_EXPIRED;
    return this.folded === null ? ALLOWED : evaluateFolded(this.folded, context, now);
  }

  /** True when revoked, expired for good, or expired at `now`: such a capability cannot be a source of derivation. */
  isEnded(now: number): boolean {
    return this.revoked || this.expiredForGood || !(now < this.expiresAt);
  }

  /** Marks it revoked (a revoked capability stays revoked). */
  revoke(record: CapabilityLifecycleRecord): boolean {
    if (this.revoked) return false;
    this.revoked = true;
    this.revocation = record;
    this.invalidate();
    return true;
  }

  /**
   * True once `expire` reached it, directly or by cascade (its view then carries an `expiration`
   * record): it allows nothing from then on, whatever the clock says, so a clock set back (NTP
   * stepping, a VM restored) cannot revive what was ended on purpose.
   */
  get expiredForGood(): boolean {
    return this.expiration !== null;
  }

  /**
   * Ends it for good, and lowers its expiry to `record.at` unless it already ends earlier.
   * Returns whether its expiry moved; either way the index must refresh it.
   */
  expire(record: CapabilityLifecycleRecord): boolean {
    if (this.expiresAt <= record.at) {
      // Over by its own expiry already: it still records that it was ended for good.
      if (this.expiration === null) {
        this.expiration = record;
        this.invalidate();
      }
      return false;
    }
    this.expiresAt = record.at;
    this.expiration = record;
    this.invalidate();
    return true;
  }

  /** Records an attestation. */
  attest(attestation: Attestation): void {
    this.attestations = Object.freeze([...this.attestations, attestation]);
    this.invalidate();
  }

  /** The frozen view handed to callers (rebuilt only after a change). */
  view(): AlgebraCapability {
    this.cachedView ??= capabilityObject(
      this.definition,
      {
        revoked: this.revoked,
        revokedAt: this.revocation?.at ?? null,
        revocation: this.revocation,
        expiration: this.expiration,
        attestations: this.attestations,
      },
      Number.isFinite(this.expiresAt) ? this.expiresAt : null,
    );
    return this.cachedView;
  }

  private invalidate(): void {
    this.cachedView = undefined;
  }
}
