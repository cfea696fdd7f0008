/**
 * `@warden/core/approval`: the approval state machine every `ApprovalWorkflow` implementation
 * shares: how a request opens, how an approval, rejection or expiry moves it on, what quorum
 * each tier needs, and whether an approval still covers a payload. `@warden/approvals` and the
 * stub workflow in `@warden/stubs` both run it, so they decide alike; a new workflow backend
 * should too. Applications call `ApprovalWorkflow` instead and rarely need this module.
 *
 * @module @warden/core/approval
 */

export {
  type ApprovalPolicies,
  type ApprovalTierPolicy,
  DEFAULT_APPROVAL_QUORUMS,
  DEFAULT_APPROVAL_TTL_MS,
  MAX_APPROVAL_QUORUM,
  resolveApprovalPolicies,
} from './policy.js';
export {
  type ApprovalAction,
  type ApprovalIdentityOptions,
  type ApprovalStep,
  type ApprovalStepResult,
  applyApprovalAction,
  approvalCoversPayload,
  approvalIdentityKey,
  countApprovals,
  isApprovalOverdue,
  type OpenApprovalInput,
  openApprovalRecord,
  settleApprovalTimeout,
  stepApproval,
} from './transitions.js';
