/**
 * The shapes of the capability algebra: capabilities, constraints, attestations, check results.
 *
 * Names: `AlgebraCapability` is what the claude-flow seed calls `Capability`, and
 * `AlgebraCheckResult` its `CapabilityCheckResult`; they are named apart from the policy module's
 * `Capability` (a dotted capability name such as `"inject.tools"`) and the security context's
 * `CapabilityCheckResult`. Every field of the seed's `Capability` is kept with the same name and
 * meaning; the algebra adds `revocation`, `expiration`, `derivation`, `derivedFrom` and
 * `delegationDepth`. `CapabilityConstraint` and `Attestation` keep the seed's names.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';

/** The constraint types the algebra knows how to evaluate. */
export type CapabilityConstraintType = 'time-window' | 'rate-limit' | 'budget' | 'condition' | 'scope-restriction';

/**
 * A condition attached to a capability; every constraint must hold for the capability to allow.
 *
 * Parameters by type (a check whose context lacks a constraint's input denies):
 * - `time-window`: `{ start?, end? }` epoch ms, inclusive bounds, at least one; read from the clock.
 * - `rate-limit`: `{ max }`; allowed while `context.currentUsage < max`.
 * - `budget`: `{ limit }`; allowed while `context.budgetUsed < limit`.
 * - `condition`: `{ key, value? }`; allowed when `context` has its own property `key` and it equals
 *   `value` (or, without `value`, is truthy).
 * - `scope-restriction`: `{ pattern }` a `/`-separated path; allowed when `context.targetResource`
 *   is `pattern` or lies below it, matched by whole segments (`/src` does not cover `/src-secret`).
 *
 * Any other `type` is kept (so a snapshot from a newer version loads) but never satisfied.
 */
export interface CapabilityConstraint {
  /** One of {@link CapabilityConstraintType}; an unknown type always denies. */
  readonly type: CapabilityConstraintType | (string & Record<never, never>);
  /** The constraint's parameters (JSON values). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Who ended a capability (by revocation or expiry), when, and why. */
export interface CapabilityLifecycleRecord {
  /** When it happened (epoch ms, from the algebra's clock). */
  readonly at: number;
  /** The reason given by the caller, if any. */
  readonly reason: string | null;
  /** The actor given by the caller, if any. */
  readonly actor: string | null;
  /** The id of the ancestor whose revocation or expiry cascaded here; `null` for the target itself. */
  readonly cascadedFrom: string | null;
}

/** A claim about a capability by an attester, optionally signed with Ed25519. */
export interface Attestation {
  /** Who makes the claim; names the public key used for verification. */
  readonly attesterId: string;
  /** What is claimed, for example `"reviewed"`. */
  readonly claim: string;
  /** Supporting evidence (a URL, a digest), if any. */
  readonly evidence: string | null;
  /**
   * Base64 Ed25519 signature over {@link encodeAttestationPayload}'s bytes, or `null` when unsigned.
   */
  readonly signature: string | null;
  /** When the algebra recorded the attestation (epoch ms). */
  readonly attestedAt: number;
}

/** What a caller passes to `attest`: an {@link Attestation} without its recording time. */
export interface AttestationInput {
  /** Who makes the claim. */
  readonly attesterId: string;
  /** What is claimed. */
  readonly claim: string;
  /** Supporting evidence. @default null */
  readonly evidence?: string | null;
  /** Base64 Ed25519 signature (see {@link encodeAttestationPayload}). @default null */
  readonly signature?: string | null;
}

/** How a capability came to exist. */
export type CapabilityDerivation = 'grant' | 'restrict' | 'delegate' | 'compose';

/**
 * A typed permission: `actions` on `resource` within `scope`, held by `grantedTo`. The seed's
 * `Capability`. Objects returned by the algebra are frozen snapshots: mutating one is impossible,
 * and the algebra never reads them back (operations look capabilities up by `id`).
 */
export interface AlgebraCapability {
  /** Unique, unguessable id assigned by the algebra (opaque; 32 hex characters by default). */
  readonly id: string;
  /** The permission domain, for example `"tool"`; matched exactly. */
  readonly scope: string;
  /** The resource within the scope; `'*'` covers every resource. */
  readonly resource: string;
  /** Allowed actions; `'*'` covers every action. */
  readonly actions: readonly string[];
  /** Conditions that must all hold. */
  readonly constraints: readonly CapabilityConstraint[];
  /** The authority (or, for a delegation, the delegating agent). */
  readonly grantedBy: string;
  /** The agent holding the capability. */
  readonly grantedTo: string;
  /** When it was created (epoch ms). */
  readonly grantedAt: number;
  /** It allows while `now < expiresAt`; `null` for no expiry. `expire` lowers it to now. */
  readonly expiresAt: number | null;
  /** Whether `delegate` may pass it on. */
  readonly delegatable: boolean;
  /** True once revoked (directly or by cascade); a revoked capability never allows again. */
  readonly revoked: boolean;
  /** When it was revoked, or `null`. */
  readonly revokedAt: number | null;
  /** Who revoked it and why, or `null`. */
  readonly revocation: CapabilityLifecycleRecord | null;
  /** Who expired it early (with `expire`) and why, or `null`. */
  readonly expiration: CapabilityLifecycleRecord | null;
  /** Claims about this capability. */
  readonly attestations: readonly Attestation[];
  /** The capability it was restricted or delegated from; `null` for grants and compositions. */
  readonly parentCapabilityId: string | null;
  /** How it came to exist. */
  readonly derivation: CapabilityDerivation;
  /** Its direct sources: none for a grant, one for restrict/delegate, two for compose. */
  readonly derivedFrom: readonly string[];
  /** Number of `delegate` steps from its root grant (a composition takes the deeper source's). */
  readonly delegationDepth: number;
}

/** Parameters of `grant`. */
export interface GrantCapabilityParams {
  /** The permission domain. */
  readonly scope: string;
  /** The resource, or `'*'` for every resource. */
  readonly resource: string;
  /** At least one action; `'*'` for every action. */
  readonly actions: readonly string[];
  /** Conditions that must all hold. @default [] */
  readonly constraints?: readonly CapabilityConstraint[];
  /** The granting authority. */
  readonly grantedBy: string;
  /** The agent receiving the capability. */
  readonly grantedTo: string;
  /** Expiry (epoch ms), or `null` for none. @default null */
  readonly expiresAt?: number | null;
  /** Whether it may be delegated. @default false */
  readonly delegatable?: boolean;
}

/** Narrowing applied by `restrict` and `delegate`. Nothing here can widen a capability. */
export interface CapabilityRestrictions {
  /** Intersected with the source's actions (`'*'` on either side stands for the other side). */
  readonly actions?: readonly string[];
  /** Added to the source's constraints. */
  readonly constraints?: readonly CapabilityConstraint[];
  /** Takes effect only when earlier than the source's expiry; `null` keeps the source's. */
  readonly expiresAt?: number | null;
  /** `false` turns delegation off; `true` keeps the source's setting. */
  readonly delegatable?: boolean;
}

/** A capability given to an operation: its id, or an object carrying it (only `id` is read). */
export type CapabilityReference = string | { readonly id: string };

/**
 * Inputs for constraints, passed to `check`. Time is not an input: it comes from the algebra's
 * clock only, so a caller cannot revive an expired capability by passing an old time. Only own
 * properties count: an inherited input (a polluted prototype) is a missing one, and denies.
 */
export interface CapabilityCheckContext {
  /** Current usage, for `rate-limit` constraints. */
  readonly currentUsage?: number;
  /** Budget used so far, for `budget` constraints. */
  readonly budgetUsed?: number;
  /** The path being accessed, for `scope-restriction` constraints. */
  readonly targetResource?: string;
  /** Any other key, for `condition` constraints. */
  readonly [key: string]: unknown;
}

/**
 * The answer of `check` (the seed's `CapabilityCheckResult`). Results are frozen and may be shared between calls (the algebra caches
 * them so that checking allocates nothing); never mutate one.
 */
export interface AlgebraCheckResult {
  /** Whether at least one capability allows the request. */
  readonly allowed: boolean;
  /** Every capability that allows it (empty when denied). */
  readonly capabilities: readonly AlgebraCapability[];
  /** Why: which capability allowed, or the closest reason for the denial. */
  readonly reason: string;
  /** The constraints of the allowing capabilities. */
  readonly constraints: readonly CapabilityConstraint[];
}

/** An Ed25519 public key: a `KeyObject` or a PEM (SPKI) string. */
export type AttesterPublicKey = KeyObject | string;

/** The outcome of verifying one attestation. */
export type AttestationStatus = 'valid' | 'invalid' | 'unsigned' | 'unknown-attester';

/** One attestation and whether its signature verified. */
export interface AttestationVerification {
  /** The attestation checked. */
  readonly attestation: Attestation;
  /** `valid`: signature verified; `invalid`: it did not; `unsigned`; `unknown-attester`: no key. */
  readonly status: AttestationStatus;
}

/** Configuration for `createCapabilityAlgebra`. */
export interface CapabilityAlgebraConfig {
  /** The clock for grant times, expiry and time windows. @default Date.now */
  readonly now?: Clock;
  /** How many `delegate` steps a chain may have; `0` forbids delegation. @default unlimited */
  readonly maxDelegationDepth?: number;
  /** Ed25519 public keys by attester id, used to verify signed attestations. @default {} */
  readonly attesterKeys?: Readonly<Record<string, AttesterPublicKey>>;
  /** Makes capability ids (checked for repeats). @default 128 random bits as 32 hex characters */
  readonly generateId?: () => string;
}

/** A persisted algebra: every capability in creation order. Made by `toJSON`, read by `fromJSON`. */
export interface CapabilityAlgebraSnapshot {
  /** Identifies the format. */
  readonly format: 'warden.capability-algebra';
  /** Format version. */
  readonly version: 1;
  /** Every capability, sources before the capabilities derived from them. */
  readonly capabilities: readonly AlgebraCapability[];
}
