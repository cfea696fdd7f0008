import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { isoPlus, type WorkflowHarness } from './harness.js';

/** approve and reject: quorum, separation of duties, reasons. */
export function registerApprovalDecisions(harness: () => Promise<WorkflowHarness>): void {
  it('approve(id, approver) meets the peer-review quorum and records who and when', async () => {
    const { workflow, advance } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await advance(5_000);
    expect(await workflow.approve(id, 'bob')).toBe('approved');
    const record = await workflow.get(id);
    const at = isoPlus(record.createdAt, 5_000);
    expect(record).toMatchObject({ status: 'approved', decidedBy: 'bob', decidedAt: at });
    expect(record.decisions).toMatchObject([{ approver: 'bob', decision: 'approve', at }]);
    expect(await workflow.listPending()).toEqual([]);
  });

  it('approve(id, approver) needs two distinct approvers for security-review; one approver counts once', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect((await workflow.get(id)).decisions).toHaveLength(1);
    expect(await workflow.approve(id, 'carol')).toBe('approved');
  });

  it('approve(id, approver) by the requester throws ACCESS_DENIED and records nothing (no self-approval)', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED');
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
  });

  it('reject(id, approver, reason) ends the request and keeps the reason', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    await workflow.approve(id, 'bob');
    expect(await workflow.reject(id, 'carol', 'no change ticket')).toBe('rejected');
    const record = await workflow.get(id);
    expect(record).toMatchObject({ status: 'rejected', reason: 'no change ticket', decidedBy: 'carol' });
    expect(record.decisions.at(-1)).toMatchObject({
      approver: 'carol',
      decision: 'reject',
      reason: 'no change ticket',
    });
  });

  it('approve(id, approver) after a rejection throws APPROVAL_NOT_PENDING; so does reject after approval', async () => {
    const { workflow } = await harness();
    const rejected = await workflow.request({ requester: 'alice', description: 'a', tier: 'peer-review' });
    await workflow.reject(rejected, 'bob', 'no');
    // The error names the request and where it stands.
    await expect(workflow.approve(rejected, 'carol')).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
      id: rejected,
      status: 'rejected',
    });
    const approved = await workflow.request({ requester: 'alice', description: 'b', tier: 'peer-review' });
    await workflow.approve(approved, 'bob');
    await expectWardenError(() => workflow.reject(approved, 'carol', 'late'), 'APPROVAL_NOT_PENDING');
    expect(await workflow.getStatus(approved)).toBe('approved');
  });
}
