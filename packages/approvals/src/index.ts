/**
 * `@warden/approvals`: `ApprovalWorkflow` with tiers, quorum, separation of duties, expiry and an
 * audit trail, over an `ApprovalStore`.
 *
 * @packageDocumentation
 */
export { createApprovalWorkflow, type StoreBackedApprovalWorkflow } from './approval-workflow.js';
export type { ApprovalTierConfig, ApprovalWorkflowConfig, ApproverResolver } from './approval-workflow-config.js';
export { createMemoryApprovalStore, type MemoryApprovalStoreConfig } from './memory-approval-store.js';
