import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { APPROVAL_CONTRACT_TTL_MS, type WorkflowHarness } from './harness.js';

/** Returned records are copies, and every decision records who made it. */
export function registerApprovalRecords(harness: () => Promise<WorkflowHarness>): void {
  it('getStatus(id) of a decided request stays decided after its expiry time has passed', async () => {
    const { workflow, advance } = await harness();
    const approved = await workflow.request({ requester: 'alice', description: 'a', tier: 'peer-review', payload: 1 });
    await workflow.approve(approved, 'bob');
    const rejected = await workflow.request({ requester: 'alice', description: 'b', tier: 'peer-review' });
    await workflow.reject(rejected, 'bob', 'no');
    await advance(APPROVAL_CONTRACT_TTL_MS * 2);
    expect(await workflow.getStatus(approved)).toBe('approved');
    expect(await workflow.isApprovedFor(approved, 1)).toBe(true);
    expect(await workflow.get(rejected)).toMatchObject({ status: 'rejected', reason: 'no', decidedBy: 'bob' });
  });

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

  it('get(id).version grows with every stored change and stays for a refused one', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    const opened = (await workflow.get(id)).version;
    await workflow.approve(id, 'bob');
    const approvedOnce = (await workflow.get(id)).version;
    expect(approvedOnce).toBeGreaterThan(opened);
    await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED');
    expect((await workflow.get(id)).version, 'a refused approval changes nothing').toBe(approvedOnce);
    await workflow.approve(id, 'carol');
    expect((await workflow.get(id)).version).toBeGreaterThan(approvedOnce);
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
