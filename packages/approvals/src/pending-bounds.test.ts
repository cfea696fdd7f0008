import { describe, expect, it } from 'vitest';
import { createApprovalWorkflow } from './approval-workflow.js';

/** A peer with a self-made key files requests for free; pending ones are never dropped. */
describe('a requester flooding the approval queue', () => {
  it('request(...) past maxPendingPerRequester throws QUOTA_EXCEEDED, evicts nothing, and counts name variants as one requester', async () => {
    const workflow = createApprovalWorkflow({ maxPendingPerRequester: 3 });
    const filed = [];
    for (let index = 0; index < 3; index += 1) {
      filed.push(await workflow.request({ requester: 'peer', description: `flood ${index}`, tier: 'peer-review' }));
    }
    for (const variant of ['peer', 'Peer ', 'p\u200beer', 'ｐｅｅｒ']) {
      await expect(
        workflow.request({ requester: variant, description: 'one more', tier: 'peer-review' }),
      ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    }
    expect((await workflow.listPending()).map((record) => record.id)).toEqual(filed);
    // Another requester is not held up, and a decided request frees its place.
    await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await workflow.reject(filed[0] as string, 'bob', 'spam');
    await workflow.request({ requester: 'peer', description: 'after a decision', tier: 'peer-review' });
  });

  it('request(...) past maxPending in all throws QUOTA_EXCEEDED for any requester and evicts nothing', async () => {
    const workflow = createApprovalWorkflow({ maxPending: 5 });
    for (let index = 0; index < 5; index += 1) {
      await workflow.request({ requester: `peer-${index}`, description: 'flood', tier: 'peer-review' });
    }
    await expect(
      workflow.request({ requester: 'peer-new', description: 'flood', tier: 'peer-review' }),
    ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(await workflow.listPending()).toHaveLength(5);
  });

  it('request(...) by 50 concurrent callers files exactly maxPendingPerRequester requests', async () => {
    const workflow = createApprovalWorkflow({ maxPendingPerRequester: 10 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) =>
        workflow.request({ requester: 'peer', description: `burst ${index}`, tier: 'peer-review' }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(10);
    expect(await workflow.listPending({ requester: 'peer' })).toHaveLength(10);
  });

  it('request(...) holds at most 100 pending requests per requester by default', async () => {
    const workflow = createApprovalWorkflow();
    for (let index = 0; index < 100; index += 1) {
      await workflow.request({ requester: 'peer', description: 'flood', tier: 'peer-review' });
    }
    await expect(workflow.request({ requester: 'peer', description: 'flood' })).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
  });

  it('request(...) does not count requests past their deadline, nor approvals given at once', async () => {
    let time = Date.UTC(2026, 0, 1);
    const workflow = createApprovalWorkflow({ maxPendingPerRequester: 1, now: () => time });
    await workflow.request({ requester: 'peer', description: 'first', tier: 'peer-review' });
    expect(
      await workflow.getStatus(await workflow.request({ requester: 'peer', description: 'auto', tier: 'auto' })),
    ).toBe('approved');
    time += 25 * 3_600_000;
    await workflow.request({ requester: 'peer', description: 'after the first expired', tier: 'peer-review' });
  });

  it.each([0, -1, 1.5, Number.NaN, '10'])(
    'createApprovalWorkflow({ maxPending: %s }) throws INVALID_INPUT naming the field',
    (bad) => {
      expect(() => createApprovalWorkflow({ maxPending: bad as number })).toThrow(/maxPending/);
      expect(() => createApprovalWorkflow({ maxPendingPerRequester: bad as number })).toThrow(/maxPendingPerRequester/);
    },
  );
});
