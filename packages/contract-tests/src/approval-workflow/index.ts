import { describe } from 'vitest';
import { registerApprovalBasics } from './basic.js';
import { registerApprovalConcurrency } from './concurrency.js';
import { registerApprovalDecisions } from './decisions.js';
import { registerApprovalErrors } from './errors.js';
import { registerApprovalEvents } from './events.js';
import { registerApprovalExpiry } from './expiry.js';
import { type ApprovalWorkflowContractOptions, useWorkflow } from './harness.js';
import { registerApprovalPayload } from './payload.js';
import { registerApprovalRecords } from './records.js';
import { registerApprovalSeparation } from './separation.js';

export {
  APPROVAL_CONTRACT_TTL_MS,
  type ApprovalWorkflowContractCapabilities,
  type ApprovalWorkflowContractOptions,
  type ApprovalWorkflowContractSubject,
} from './harness.js';

/**
 * Runs the `ApprovalWorkflow` contract suite against a backend: requests and records, quorum
 * and separation of duties at every position of the quorum, rejection reasons, the payload
 * binding through `isApprovedFor`, copies, expiry, cancellation, the security events of every
 * change (unless `capabilities.events` is `false`), typed errors, and exactly-once transitions under 50 concurrent approvers.
 *
 * @example
 * runApprovalWorkflowContract({
 *   name: 'memory store',
 *   createSubject: async () => {
 *     let time = Date.UTC(2026, 0, 1);
 *     const ttl = APPROVAL_CONTRACT_TTL_MS;
 *     const subject = createApprovalWorkflow({
 *       now: () => time,
 *       tiers: { auto: { ttl }, 'peer-review': { ttl }, 'team-lead': { ttl }, 'security-review': { ttl } },
 *     });
 *     return { subject, clock: { advance: (ms) => void (time += ms) }, cleanup: async () => {} };
 *   },
 * });
 */
export function runApprovalWorkflowContract(options: ApprovalWorkflowContractOptions): void {
  describe(`ApprovalWorkflow contract: ${options.name}`, () => {
    const harness = useWorkflow(options);
    const capabilities = { cancel: true, expireDue: true, events: true, ...options.capabilities };
    describe('basic', () => registerApprovalBasics(harness));
    describe('decisions', () => registerApprovalDecisions(harness));
    describe('separation of duties', () => registerApprovalSeparation(harness));
    describe('payload binding', () => registerApprovalPayload(harness));
    describe('records', () => registerApprovalRecords(harness));
    describe('expiry', () => registerApprovalExpiry(harness, capabilities));
    describe('concurrency', () => registerApprovalConcurrency(harness));
    describe('errors', () => registerApprovalErrors(harness));
    if (capabilities.events) describe('events', () => registerApprovalEvents(harness, capabilities));
  });
}
