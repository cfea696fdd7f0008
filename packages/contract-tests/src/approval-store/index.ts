import { describe } from 'vitest';
import { registerApprovalStoreBasics } from './basic.js';
import { registerApprovalStoreCompareAndSet } from './compare-and-set.js';
import { registerApprovalStoreCrossInstance } from './cross-instance.js';
import { type ApprovalStoreContractOptions, createApprovalStoreSuite } from './harness.js';
import { registerApprovalStorePending } from './pending.js';

export {
  type ApprovalStoreContractCapabilities,
  type ApprovalStoreContractOptions,
  DEFAULT_APPROVAL_STORE_CAPABILITIES,
} from './harness.js';

/**
 * Runs the `ApprovalStore` contract suite against a backend: records kept exactly and copied in
 * and out, ids never overwritten (`CONFLICT`), compare-and-set only over the expected version with
 * `version + 1` for the same id, exactly one winner among concurrent writers, and pending listings
 * (oldest first, by tier and requester) that follow every change. With `crossInstance`, two
 * instances on one backend share records and stay atomic.
 *
 * The suite creates records with ids starting `warden-contract-`; give each test a fresh key space
 * (a unique prefix) so records never meet another test's.
 *
 * @example
 * runApprovalStoreContract({
 *   name: 'memory',
 *   createSubject: async () => ({ subject: createMemoryApprovalStore(), cleanup: async () => {} }),
 * });
 */
export function runApprovalStoreContract(options: ApprovalStoreContractOptions): void {
  if (options.capabilities?.crossInstance && !options.createPeer) {
    throw new Error(`runApprovalStoreContract(${options.name}): crossInstance needs createPeer`);
  }
  describe(`ApprovalStore contract: ${options.name}`, () => {
    const suite = createApprovalStoreSuite(options);
    describe('create and get', () => registerApprovalStoreBasics(suite));
    describe('compareAndSet', () => registerApprovalStoreCompareAndSet(suite));
    describe('listPending', () => registerApprovalStorePending(suite));
    if (suite.capabilities.crossInstance) describe('cross-instance', () => registerApprovalStoreCrossInstance(suite));
  });
}
