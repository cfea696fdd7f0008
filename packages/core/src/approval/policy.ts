/**
 * Approval policy per tier: how many distinct approvers a tier needs, how long a request may
 * wait, and whether a request that times out escalates to the next tier.
 *
 * @module
 */
import { APPROVAL_TIERS, type ApprovalTier } from '../approval-tier.js';
import { InvalidInputError } from '../errors.js';
import { ownDataCopy } from '../own-data.js';

/** How the requests of one tier are decided, with durations already in milliseconds. */
export interface ApprovalTierPolicy {
  /** Distinct approvers needed; `0` approves at once (only sensible for `auto`). */
  quorum: number;
  /** How long a request may stay pending, in milliseconds, or `null` for never. */
  ttlMs: number | null;
  /** On timeout, move to the next tier instead of expiring. Never approves on timeout. */
  escalate: boolean;
}

/** A resolved policy for every tier. */
export type ApprovalPolicies = Readonly<Record<ApprovalTier, Readonly<ApprovalTierPolicy>>>;

/** Distinct approvers each tier needs by default. */
export const DEFAULT_APPROVAL_QUORUMS: Readonly<Record<ApprovalTier, number>> = Object.freeze({
  auto: 0,
  'peer-review': 1,
  'team-lead': 1,
  'security-review': 2,
});

/** How long a request stays pending by default before it expires: 24 hours. */
export const DEFAULT_APPROVAL_TTL_MS: number = 24 * 3_600_000;

/** The largest quorum a tier may ask for. */
export const MAX_APPROVAL_QUORUM = 100;

/**
 * Builds the policy of every tier from the defaults (quorums {@link DEFAULT_APPROVAL_QUORUMS},
 * TTL {@link DEFAULT_APPROVAL_TTL_MS}, no escalation) and per-tier overrides.
 *
 * @throws `InvalidInputError` for an unknown tier, a quorum that is not a whole number
 * between 0 and {@link MAX_APPROVAL_QUORUM}, or a TTL that is not a positive whole number of ms.
 */
export function resolveApprovalPolicies(
  given: Partial<Record<ApprovalTier, Partial<ApprovalTierPolicy>>> = {},
): ApprovalPolicies {
  // Own data only: a tier or field the caller never set must not come from a polluted
  // Object.prototype (a quorum of 0 there would approve every request at once).
  const overrides = ownDataCopy(given);
  for (const tier of Object.keys(overrides)) {
    if (!(APPROVAL_TIERS as readonly string[]).includes(tier)) throw invalidPolicy(tier, 'unknown approval tier');
  }
  const entries = APPROVAL_TIERS.map((tier) => {
    // A tier without overrides reads as empty, not as `{}`, which would fall through to Object.prototype.
    const override: Partial<ApprovalTierPolicy> = overrides[tier] ?? Object.create(null);
    const policy: ApprovalTierPolicy = {
      quorum: override.quorum ?? DEFAULT_APPROVAL_QUORUMS[tier],
      ttlMs: override.ttlMs === undefined ? DEFAULT_APPROVAL_TTL_MS : override.ttlMs,
      escalate: override.escalate ?? false,
    };
    if (!Number.isInteger(policy.quorum) || policy.quorum < 0 || policy.quorum > MAX_APPROVAL_QUORUM) {
      throw invalidPolicy(`${tier}.quorum`, `must be a whole number from 0 to ${MAX_APPROVAL_QUORUM}`);
    }
    if (policy.ttlMs !== null && (!Number.isSafeInteger(policy.ttlMs) || policy.ttlMs <= 0)) {
      throw invalidPolicy(`${tier}.ttlMs`, 'must be a positive whole number of milliseconds or null');
    }
    return [tier, Object.freeze(policy)] as const;
  });
  return Object.freeze(Object.fromEntries(entries)) as ApprovalPolicies;
}

/** The tier a timed-out request escalates to, or `undefined` above `security-review`. */
export function nextApprovalTier(tier: ApprovalTier): ApprovalTier | undefined {
  const index = APPROVAL_TIERS.indexOf(tier);
  return index < 0 ? undefined : APPROVAL_TIERS[index + 1];
}

function invalidPolicy(path: string, problem: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid approval policy: ${path} ${problem}`,
    issues: [{ path, message: problem }],
  });
}
