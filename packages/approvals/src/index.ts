/**
 * `@warden/approvals`: `ApprovalWorkflow` with tiers, quorum, separation of duties, expiry and an
 * audit trail, over an `ApprovalStore`.
 *
 * @packageDocumentation
 */
export { createMemoryApprovalStore } from './memory-approval-store.js';
