/**
 * Approval tiers: how much sign-off an operation needs.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';
import { ownProperty } from './validation.js';

/** Who must sign off, least to most: `auto < peer-review < team-lead < security-review`. */
export type ApprovalTier = 'auto' | 'peer-review' | 'team-lead' | 'security-review';

/** Every tier, least demanding first. */
export const APPROVAL_TIERS: readonly ApprovalTier[] = Object.freeze([
  'auto',
  'peer-review',
  'team-lead',
  'security-review',
]);

/** What {@link classifyApprovalTier} looks at. */
export interface ApprovalClassificationInput {
  /** How complex the change is, a finite number ≥ 0 (typically 0–10). */
  complexityScore: number;
  /** The change touches security-relevant code or data. */
  securitySensitive?: boolean;
  /** The change touches infrastructure. */
  isInfraChange?: boolean;
}

/** Scores at or above this need a peer review. */
const PEER_REVIEW_THRESHOLD = 4;
/** Scores at or above this need a team lead. */
const TEAM_LEAD_THRESHOLD = 7;
/** Scores at or above this need a security review. */
const SECURITY_REVIEW_THRESHOLD = 9;

/**
 * Classifies an operation into an approval tier.
 *
 * The reference implementation's rule: security-sensitive changes and scores of 9 or more need
 * a security review; infrastructure changes need at least a team lead, as do scores of 7 or
 * more; scores of 4 or more need a peer; anything else (1–3) is automatic.
 *
 * @throws {@link InvalidInputError} when the score is NaN, negative or not finite, or a flag is
 * given but is not a boolean. (The reference implementation let NaN fall through to `auto`,
 * failing open; a flag such as `securitySensitive: "true"` would have been read as absent.)
 */
export function classifyApprovalTier(input: ApprovalClassificationInput): ApprovalTier {
  // Each field is read once, and only from the input itself: an inherited value (a polluted
  // Object.prototype) must not stand in for a score the caller never gave.
  const score = ownProperty(input, 'complexityScore');
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0) {
    throw new InvalidInputError({
      message: `complexityScore must be a finite number ≥ 0, got ${String(score)}`,
      issues: [{ path: 'complexityScore', message: 'must be a finite number ≥ 0' }],
    });
  }
  const securitySensitive = ownProperty(input, 'securitySensitive');
  const isInfraChange = ownProperty(input, 'isInfraChange');
  assertOptionalFlag(securitySensitive, 'securitySensitive');
  assertOptionalFlag(isInfraChange, 'isInfraChange');
  if (securitySensitive === true || score >= SECURITY_REVIEW_THRESHOLD) return 'security-review';
  if (isInfraChange === true || score >= TEAM_LEAD_THRESHOLD) return 'team-lead';
  if (score >= PEER_REVIEW_THRESHOLD) return 'peer-review';
  return 'auto';
}

/** A flag that raises the tier: only `true`, `false` or absent, since reading `"true"` or `1` as absent would fail open. */
function assertOptionalFlag(value: unknown, path: string): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw new InvalidInputError({
    message: `${path} must be a boolean when given, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    issues: [{ path, message: 'must be a boolean' }],
  });
}

/**
 * Compares two tiers.
 *
 * @returns a negative number when `a` is less demanding than `b`, zero when equal, positive when more.
 * @throws {@link InvalidInputError} for an unknown tier.
 */
export function compareTiers(a: ApprovalTier, b: ApprovalTier): number {
  return tierRank(a, 'a') - tierRank(b, 'b');
}

/** True when `value` is an approval tier. */
export function isApprovalTier(value: unknown): value is ApprovalTier {
  return typeof value === 'string' && (APPROVAL_TIERS as readonly string[]).includes(value);
}

function tierRank(tier: ApprovalTier, path: string): number {
  const rank = APPROVAL_TIERS.indexOf(tier);
  if (rank < 0) {
    throw new InvalidInputError({
      message: `Unknown approval tier ${JSON.stringify(tier)}`,
      issues: [{ path, message: 'unknown approval tier' }],
    });
  }
  return rank;
}
