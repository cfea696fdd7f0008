import { expect, it } from 'vitest';
import type { WorkflowHarness } from './harness.js';

/** Returned records are copies, and every decision records who made it. */
export function registerApprovalRecords(harness: () => Promise<WorkflowHarness>): void {
  it('listPending(filter) returns copies: changing them changes nothing stored', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: { target: 'prod' },
    });
    const [listed] = await workflow.listPending();
    if (!listed) return expect.fail('listPending() lost the request');
    listed.status = 'approved';
    listed.quorum = 0;
    listed.decisions.push({ approver: 'mallory', decision: 'approve', at: listed.createdAt });
    (listed.payload as { target: string }).target = 'everything';
    expect(await workflow.get(id)).toMatchObject({
      status: 'pending',
      quorum: 1,
      decisions: [],
      payload: { target: 'prod' },
    });
    expect(await workflow.isApprovedFor(id, { target: 'prod' })).toBe(false);
  });

  it('get(id) returns a copy of the payload: changing it changes nothing stored', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: { target: 'prod' },
    });
    const record = await workflow.get(id);
    (record.payload as { target: string }).target = 'everything';
    await workflow.approve(id, 'bob');
    expect((await workflow.get(id)).payload).toEqual({ target: 'prod' });
    expect(await workflow.isApprovedFor(id, { target: 'prod' })).toBe(true);
  });

  it('get(id) names who made each decision: every approver in order, and the one who completed it', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    await workflow.approve(id, 'bob');
    expect((await workflow.get(id)).decidedBy, 'nobody has decided yet').toBeUndefined();
    await workflow.approve(id, 'carol');
    const record = await workflow.get(id);
    expect(record.decisions.map((decision) => [decision.approver, decision.decision])).toEqual([
      ['bob', 'approve'],
      ['carol', 'approve'],
    ]);
    expect(record.decidedBy).toBe('carol');
  });
}
