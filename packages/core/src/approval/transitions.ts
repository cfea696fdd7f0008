/**
 * The approval state machine as pure functions: each computes the next {@link ApprovalRecord}
 * from a record, an action and the time, plus the security events the change must emit. No
 * I/O, so every `ApprovalWorkflow` (memory, Redis, stub) decides the same way; storing the
 * result atomically is the caller's job.
 *
 * @module
 */

import { type ApprovalTier, classifyApprovalTier } from '../approval-tier.js';
import { toIsoTime } from '../clock.js';
import { AccessDeniedError, ApprovalNotPendingError, InvalidInputError } from '../errors.js';
import type { SecurityEventInput } from '../events.js';
import { INVISIBLE_CHARACTER_CLASS } from '../invisible-characters.js';
import { canonicalJson, computePayloadDigest, digestCanonicalJson } from '../payload-digest.js';
import type { ApprovalDecision, ApprovalRecord, ApprovalRequest } from '../ports/approval.js';
import { type ApprovalPolicies, nextApprovalTier } from './policy.js';

/** Something a person does to a pending request. */
export type ApprovalAction =
  | { type: 'approve'; approver: string }
  | { type: 'reject'; approver: string; reason: string }
  | { type: 'cancel'; actor: string; reason?: string };

/** The outcome of one pure step: the next record (the same object when nothing changed) and its events. */
export interface ApprovalStep {
  /** The record after the step; `===` the input when nothing changed. */
  record: ApprovalRecord;
  /** The security events the change must emit, in order, once it is stored. */
  events: SecurityEventInput[];
}

/** How the state machine tells people apart. */
export interface ApprovalIdentityOptions {
  /**
   * Compare identities case-sensitively (still Unicode NFKC-normalised, trimmed, invisible
   * characters removed), for applications whose identities differ by case alone.
   * @default false (identities are also case-folded: `Alice`, `alice ` and `ＡＬＩＣＥ` are one person)
   */
  caseSensitiveIdentities?: boolean;
}

/**
 * Characters that show nothing ({@link INVISIBLE_CHARACTER_CLASS}: default-ignorable and format
 * characters and the blank symbols such as the braille blank): removed from an identity key, as
 * two names that differ only by them read alike.
 */
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTER_CLASS}]`, 'gu');
const WHITESPACE_RUN = /\s+/gu;
/**
 * A combining dot above on a soft-dotted letter (`i`, `j`, Cyrillic `і`…): the letter's own dot
 * makes room for it, so `i` U+0307 shows as `i`, and `İ` lowercases to it.
 */
const DOT_ON_SOFT_DOTTED = /(\p{Soft_Dotted})\u0307/gu;

/**
 * The key two identities are compared by for separation of duties and quorum: Unicode NFKC,
 * invisible characters (default-ignorable and format characters, and the blank symbols such as
 * the braille blank and the null notehead U+1D159) removed, NFKC again,
 * trimmed, runs of whitespace inside made one space, and case-folded unless
 * `caseSensitiveIdentities` is set (`ẞ` and `ß` fold to `ss`); a dot above on a soft-dotted letter,
 * which shows nothing (`i` U+0307 is drawn as `i`), is dropped. `Alice`, `alice `, `alice\u2800`,
 * `ALİCE` and `alice` are one person by default, and so are `Alice Smith` and `Alice  Smith`.
 *
 * @throws `InvalidInputError` when `identity` is not a string.
 */
export function approvalIdentityKey(identity: string, options: ApprovalIdentityOptions = {}): string {
  if (typeof identity !== 'string') {
    throw new InvalidInputError({
      message: `An identity must be a string, got ${identity === null ? 'null' : typeof identity}`,
      issues: [{ path: 'identity', message: 'must be a string' }],
    });
  }
  // NFKC again once the invisible characters are gone: one between a letter and its combining
  // mark (`e` U+200B U+0301) kept them from composing, so `é` and its split spelling differed.
  // Whitespace runs are collapsed after invisible characters go, so "a \u200b b" is "a b".
  const normalised = identity
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .trim()
    .replace(WHITESPACE_RUN, ' ');
  // Lower, upper, lower approximates Unicode case folding (ß → SS → ss, ς → Σ → σ); lowering
  // first folds the capital ẞ too, which upper-then-lower left as ß, a person apart from ss.
  const key =
    options.caseSensitiveIdentities === true
      ? normalised
      : normalised.toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
  return key.replace(DOT_ON_SOFT_DOTTED, '$1').normalize('NFKC');
}

/** Input of {@link openApprovalRecord}: an already validated request. */
export interface OpenApprovalInput {
  /** The new record's id. */
  id: string;
  /** The validated request. */
  request: ApprovalRequest;
  /** The time of the request (epoch ms). */
  now: number;
  /** The policy of every tier. */
  policies: ApprovalPolicies;
}

/**
 * Creates the first record of a request: the tier is the given one or classified from
 * `classification` (an `auto` default when neither is given would fail open, so the request is
 * then `peer-review`); the payload is stored in canonical JSON form with its digest. A tier
 * whose quorum is 0 is approved at once.
 *
 * @throws `InvalidInputError` for a payload JSON cannot represent, an invalid classification or a
 * time that is not finite epoch milliseconds.
 */
export function openApprovalRecord(input: OpenApprovalInput): ApprovalStep {
  const { id, request, policies } = input;
  const now = checkedTime(input.now);
  const tier = request.tier ?? (request.classification ? classifyApprovalTier(request.classification) : 'peer-review');
  const policy = policies[tier];
  const createdAt = toIsoTime(now);
  const record: ApprovalRecord = {
    id,
    requester: request.requester,
    description: request.description,
    tier,
    status: 'pending',
    quorum: policy.quorum,
    createdAt,
    expiresAt: policy.ttlMs === null ? null : toIsoTime(now + policy.ttlMs),
    decisions: [],
    version: 1,
  };
  if (request.payload !== undefined) {
    // Encoded once: the payload approvers are shown and the digest that binds the approval must
    // come from the same read of it (a Proxy could answer one thing to each of two encodings).
    const canonical = canonicalJson(request.payload);
    record.payloadDigest = digestCanonicalJson(canonical);
    record.payload = JSON.parse(canonical);
  }
  const events = [approvalEvent('approval_requested', record, { payload: record.payload })];
  if (policy.quorum > 0) return { record, events };
  const approved: ApprovalRecord = { ...record, status: 'approved', decidedAt: createdAt };
  return { record: approved, events: [...events, approvalEvent('approval_approved', approved, { automatic: true })] };
}

/**
 * True when `record` is pending and its deadline has passed at `now`. Written as "not before the
 * deadline", so that a deadline that cannot be read (a damaged record) counts as passed.
 */
export function isApprovalOverdue(record: ApprovalRecord, now: number): boolean {
  return record.status === 'pending' && record.expiresAt !== null && !(Date.parse(record.expiresAt) > now);
}

/**
 * Applies every timeout due at `now`: an overdue request escalates to the next tier when its
 * tier's policy says so (each escalation starts at the deadline it replaces, so the outcome does
 * not depend on when it is observed), and otherwise expires. A timeout never approves: escalating
 * to a tier whose quorum is 0, or beyond `security-review`, expires instead, and so does a request
 * whose deadline cannot be read (there is no deadline to escalate from).
 *
 * @throws `InvalidInputError` when `now` is not finite epoch milliseconds (a broken clock changes nothing).
 */
export function settleApprovalTimeout(record: ApprovalRecord, now: number, policies: ApprovalPolicies): ApprovalStep {
  checkedTime(now);
  let current = record;
  const events: SecurityEventInput[] = [];
  while (isApprovalOverdue(current, now) && current.expiresAt !== null) {
    const deadline = Date.parse(current.expiresAt);
    const readable = Number.isFinite(deadline);
    const target = readable && policies[current.tier].escalate ? nextApprovalTier(current.tier) : undefined;
    if (target === undefined || policies[target].quorum === 0) {
      const decidedAt = readable ? current.expiresAt : toIsoTime(now);
      current = { ...current, status: 'expired', decidedAt, version: record.version + 1 };
      events.push(approvalEvent('approval_expired', current));
      break;
    }
    const ttlMs = policies[target].ttlMs;
    current = {
      ...current,
      tier: target,
      quorum: policies[target].quorum,
      expiresAt: ttlMs === null ? null : toIsoTime(deadline + ttlMs),
      escalatedFrom: [...(current.escalatedFrom ?? []), current.tier],
      version: record.version + 1,
    };
    events.push(approvalEvent('approval_escalated', current, { from: current.escalatedFrom?.at(-1) }));
  }
  return { record: current, events };
}

/**
 * Distinct approvers who approved at the request's current tier, told apart by
 * {@link approvalIdentityKey} (so `bob` and `Bob` count once by default).
 */
export function countApprovals(record: ApprovalRecord, options: ApprovalIdentityOptions = {}): number {
  return currentTierApprovers(record, options).size;
}

/**
 * Applies a person's action to a record that {@link settleApprovalTimeout} has already settled.
 * Eligibility beyond separation of duties (roles, groups) is the caller's to check first.
 *
 * - approve: the requester is refused; an approver who already approved at this tier is not
 *   counted again (the record is returned unchanged); the quorum-th distinct approval approves.
 *   People are told apart by {@link approvalIdentityKey}: `Alice` and `alice ` are the
 *   requester `alice`, and `bob` and `Bob` count once, unless `caseSensitiveIdentities` is set.
 * - reject: the requester is refused (they cancel instead); the reason is kept.
 * - cancel: ends the request, recording who cancelled it.
 *
 * @throws `ApprovalNotPendingError` when the request is no longer pending.
 * @throws `AccessDeniedError` when the requester approves or rejects their own request.
 * @throws `InvalidInputError` when `now` is not finite epoch milliseconds.
 */
export function applyApprovalAction(
  record: ApprovalRecord,
  action: ApprovalAction,
  now: number,
  options: ApprovalIdentityOptions = {},
): ApprovalStep {
  checkedTime(now);
  if (record.status !== 'pending') throw new ApprovalNotPendingError({ id: record.id, status: record.status });
  const at = toIsoTime(now);
  const version = record.version + 1;
  if (action.type === 'cancel') {
    const cancelled: ApprovalRecord = {
      ...record,
      status: 'cancelled',
      decidedAt: at,
      decidedBy: action.actor,
      version,
    };
    if (action.reason !== undefined) cancelled.reason = action.reason;
    return { record: cancelled, events: [approvalEvent('approval_cancelled', cancelled, { actor: action.actor })] };
  }
  if (approvalIdentityKey(action.approver, options) === approvalIdentityKey(record.requester, options)) {
    throw new AccessDeniedError({
      message: `"${action.approver}" requested approval "${record.id}" and cannot ${action.type} it (separation of duties)`,
    });
  }
  if (action.type === 'reject') {
    const decision = decisionOf(action.approver, 'reject', at, record.tier, action.reason);
    const rejected: ApprovalRecord = {
      ...record,
      status: 'rejected',
      decisions: [...record.decisions, decision],
      decidedAt: at,
      decidedBy: action.approver,
      reason: action.reason,
      version,
    };
    return {
      record: rejected,
      events: [approvalEvent('approval_rejected', rejected, { approver: action.approver }, options)],
    };
  }
  if (currentTierApprovers(record, options).has(approvalIdentityKey(action.approver, options))) {
    return { record, events: [] };
  }
  const decisions = [...record.decisions, decisionOf(action.approver, 'approve', at, record.tier)];
  const next: ApprovalRecord = { ...record, decisions, version };
  if (countApprovals(next, options) >= record.quorum) {
    next.status = 'approved';
    next.decidedAt = at;
    next.decidedBy = action.approver;
  }
  return { record: next, events: [approvalEvent('approval_approved', next, { approver: action.approver }, options)] };
}

/** The outcome of {@link stepApproval}: a step, plus the error the action failed with, if it did. */
export interface ApprovalStepResult extends ApprovalStep {
  /** Why the action failed; the timeouts settled before it still have to be stored. */
  error?: unknown;
}

/**
 * One whole step of a workflow: settles the timeouts due at `now`, then applies `action` (if
 * any). The result's `version` is `record.version + 1` whenever anything changed, ready for a
 * compare-and-set against `record.version`. An action that fails still returns the settled
 * record (an expiry must be stored even when the approval that noticed it is refused).
 */
export function stepApproval(
  record: ApprovalRecord,
  action: ApprovalAction | undefined,
  now: number,
  policies: ApprovalPolicies,
  options: ApprovalIdentityOptions = {},
): ApprovalStepResult {
  const settled = settleApprovalTimeout(record, now, policies);
  let applied: ApprovalStep = { record: settled.record, events: [] };
  let error: unknown;
  if (action) {
    try {
      applied = applyApprovalAction(settled.record, action, now, options);
    } catch (failure) {
      error = failure;
    }
  }
  const changed = applied.record !== record;
  const result: ApprovalStepResult = {
    record: changed ? { ...applied.record, version: record.version + 1 } : record,
    events: [...settled.events, ...applied.events],
  };
  if (error !== undefined) result.error = error;
  return result;
}

/**
 * True when `record` is approved and its payload digest matches `payload`'s: executing a
 * changed payload needs a new approval. A record without a payload covers only `undefined`.
 */
export function approvalCoversPayload(record: ApprovalRecord, payload: unknown): boolean {
  if (record.status !== 'approved') return false;
  if (payload === undefined || record.payloadDigest === undefined) {
    return payload === undefined && record.payloadDigest === undefined;
  }
  try {
    return computePayloadDigest(payload) === record.payloadDigest;
  } catch {
    return false;
  }
}

/** The latest time a `Date` holds (±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

/**
 * A step's time, when it is one: finite epoch milliseconds a `Date` can hold. A broken clock
 * (NaN, ±Infinity) would otherwise throw an untyped `RangeError` half-way through a step, and a NaN
 * never reaches a deadline, so a request would never expire.
 */
function checkedTime(now: number): number {
  if (typeof now === 'number' && Number.isFinite(now) && Math.abs(now) <= MAX_DATE_MS) return now;
  throw new InvalidInputError({
    message: `The approval clock returned ${String(now)}, which is not a time (finite epoch milliseconds)`,
    issues: [{ path: 'now', message: 'must be finite epoch milliseconds' }],
  });
}

function currentTierApprovers(record: ApprovalRecord, options: ApprovalIdentityOptions): Set<string> {
  const requester = approvalIdentityKey(record.requester, options);
  const approvers = record.decisions
    .filter((decision) => decision.decision === 'approve' && (decision.tier ?? record.tier) === record.tier)
    .map((decision) => approvalIdentityKey(decision.approver, options))
    // A decision stored before identities were normalised never counts for its own requester.
    .filter((key) => key !== requester);
  return new Set(approvers);
}

function decisionOf(
  approver: string,
  decision: ApprovalDecision['decision'],
  at: string,
  tier: ApprovalTier,
  reason?: string,
): ApprovalDecision {
  return reason === undefined ? { approver, decision, at, tier } : { approver, decision, at, tier, reason };
}

function approvalEvent(
  type: SecurityEventInput['type'],
  record: ApprovalRecord,
  extra: Record<string, unknown> = {},
  options: ApprovalIdentityOptions = {},
): SecurityEventInput {
  const details: Record<string, unknown> = {
    requestId: record.id,
    requester: record.requester,
    description: record.description,
    tier: record.tier,
    status: record.status,
    approvals: countApprovals(record, options),
    quorum: record.quorum,
    ...extra,
  };
  if (record.payloadDigest !== undefined) details.payloadDigest = record.payloadDigest;
  if (record.reason !== undefined) details.reason = record.reason;
  if (details.payload === undefined) delete details.payload;
  return { type, details };
}
