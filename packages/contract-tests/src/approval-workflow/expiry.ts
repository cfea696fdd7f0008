import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import {
  APPROVAL_CONTRACT_TTL_MS,
  type ApprovalWorkflowContractCapabilities,
  isoPlus,
  type WorkflowHarness,
} from './harness.js';

/** Expiry, expireDue and cancel. */
export function registerApprovalExpiry(
  harness: () => Promise<WorkflowHarness>,
  capabilities: ApprovalWorkflowContractCapabilities,
): void {
  it('getStatus(id) past the time-to-live is expired, never approved', async () => {
    const { workflow, advance } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await advance(APPROVAL_CONTRACT_TTL_MS - 1);
    expect(await workflow.getStatus(id)).toBe('pending');
    await advance(1);
    expect(await workflow.getStatus(id)).toBe('expired');
    expect(await workflow.listPending()).toEqual([]);
  });

  it('approve(id, approver) after expiry throws APPROVAL_NOT_PENDING and records nothing', async () => {
    const { workflow, advance } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await advance(APPROVAL_CONTRACT_TTL_MS);
    await expectWardenError(() => workflow.approve(id, 'bob'), 'APPROVAL_NOT_PENDING');
    expect(await workflow.get(id)).toMatchObject({ status: 'expired', decisions: [] });
  });

  if (capabilities.expireDue) {
    it('expireDue() expires every overdue request and returns how many', async () => {
      const { workflow, advance } = await harness();
      const old = await workflow.request({ requester: 'alice', description: 'old', tier: 'peer-review' });
      await advance(APPROVAL_CONTRACT_TTL_MS / 2);
      const fresh = await workflow.request({ requester: 'alice', description: 'new', tier: 'team-lead' });
      await advance(APPROVAL_CONTRACT_TTL_MS / 2);
      expect(await workflow.expireDue?.()).toBe(1);
      expect(await workflow.getStatus(old)).toBe('expired');
      expect(await workflow.getStatus(fresh)).toBe('pending');
      expect(await workflow.expireDue?.()).toBe(0);
    });
  }

  if (capabilities.cancel) {
    it('cancel(id, actor) by the requester withdraws the request; approving it then throws', async () => {
      const { workflow, advance } = await harness();
      const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
      await advance(7_000);
      expect(await workflow.cancel?.(id, 'alice')).toBe('cancelled');
      const record = await workflow.get(id);
      expect(record).toMatchObject({ status: 'cancelled', decidedBy: 'alice' });
      expect(record.decidedAt).toBe(isoPlus(record.createdAt, 7_000));
      await expectWardenError(() => workflow.approve(id, 'bob'), 'APPROVAL_NOT_PENDING');
    });
  }
}
