import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import type { WorkflowHarness } from './harness.js';

/** The requester's name as an attacker respells it: case, surrounding spaces, invisible and full-width characters. */
const REQUESTER_RESPELLED: readonly string[] = ['Alice', 'ALICE', ' alice', 'alice ', 'al\u200bice', '\uff41lice'];

/**
 * Separation of duties at every position in the quorum: the requester is refused as the first,
 * a middle and the last approval, also under another spelling of their name, and a refused
 * attempt counts nothing.
 */
export function registerApprovalSeparation(harness: () => Promise<WorkflowHarness>): void {
  it('approve(id, requester) as the first approval of a security-review quorum of 2 throws ACCESS_DENIED and counts nothing', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED');
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
    // One more person must not be enough: the requester's attempt was not an approval.
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'carol')).toBe('approved');
    const record = await workflow.get(id);
    expect(record.decisions.map((decision) => decision.approver)).toEqual(['bob', 'carol']);
    expect(record.decidedBy).toBe('carol');
  });

  it('approve(id, requester) as the last approval of a security-review quorum of 2 throws ACCESS_DENIED and leaves it pending', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED');
    const record = await workflow.get(id);
    expect(record.status).toBe('pending');
    expect(record.decisions.map((decision) => decision.approver)).toEqual(['bob']);
  });

  it('approve(id, requester) refused again and again never adds up to a quorum', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED', `attempt ${attempt}`);
    }
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED', 'after bob');
    expect(await workflow.getStatus(id)).toBe('pending');
    expect(await workflow.listPending()).toHaveLength(1);
  });

  it('approve(id, requester) on every tier that needs approvers throws ACCESS_DENIED', async () => {
    const { workflow } = await harness();
    for (const tier of ['peer-review', 'team-lead', 'security-review'] as const) {
      const id = await workflow.request({ requester: 'alice', description: tier, tier });
      await expectWardenError(() => workflow.approve(id, 'alice'), 'ACCESS_DENIED', tier);
      expect(await workflow.get(id), tier).toMatchObject({ status: 'pending', decisions: [] });
    }
  });

  it('approve(id, requester respelled) with another case, spaces or invisible characters throws ACCESS_DENIED', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    for (const respelled of REQUESTER_RESPELLED) {
      await expectWardenError(() => workflow.approve(id, respelled), 'ACCESS_DENIED', JSON.stringify(respelled));
    }
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    await expectWardenError(() => workflow.approve(id, 'ALICE'), 'ACCESS_DENIED', 'as the last approval');
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('approve(id, approver) by one approver under two spellings of their name counts once', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'Bob')).toBe('pending');
    expect(await workflow.approve(id, ' BOB ')).toBe('pending');
    expect(await workflow.approve(id, 'carol')).toBe('approved');
  });

  it('approve(id, approver) by the same approver twice counts once at every position', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.getStatus(id)).toBe('pending');
    expect(await workflow.approve(id, 'carol')).toBe('approved');
  });
}
