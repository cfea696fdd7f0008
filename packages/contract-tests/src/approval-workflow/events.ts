import type { SecurityEventInput } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { APPROVAL_CONTRACT_TTL_MS, type WorkflowHarness } from './harness.js';

/** The events a harness reports, failing the test when the subject gives none. */
function eventsOf(harness: WorkflowHarness): readonly SecurityEventInput[] {
  if (harness.events === undefined) {
    return expect.fail('createSubject() returned no events; pass capabilities: { events: false } if it emits none');
  }
  return harness.events;
}

/** The events emitted by `action`, in order. */
async function emittedBy(harness: WorkflowHarness, action: () => Promise<unknown>): Promise<SecurityEventInput[]> {
  const events = eventsOf(harness);
  const before = events.length;
  await action();
  return events.slice(before);
}

/**
 * Every change emits the security event an audit trail needs, naming the request, who acted and
 * the outcome; a refused call emits none. An attacker who can make a change without its event
 * leaves no trace.
 */
export function registerApprovalEvents(
  harness: () => Promise<WorkflowHarness>,
  capabilities: { cancel: boolean; expireDue: boolean },
): void {
  it('request(request) emits approval_requested naming the request, requester, tier, quorum and payload', async () => {
    const subject = await harness();
    let id = '';
    const events = await emittedBy(subject, async () => {
      id = await subject.workflow.request({
        requester: 'alice',
        description: 'deploy',
        tier: 'peer-review',
        payload: { target: 'prod' },
      });
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'approval_requested',
      details: {
        requestId: id,
        requester: 'alice',
        description: 'deploy',
        tier: 'peer-review',
        status: 'pending',
        approvals: 0,
        quorum: 1,
        payload: { target: 'prod' },
      },
    });
    expect(events[0]?.details?.payloadDigest).toEqual((await subject.workflow.get(id)).payloadDigest);
    expect(typeof events[0]?.details?.payloadDigest).toBe('string');
  });

  it('request(request) on the auto tier emits approval_requested then approval_approved, marked automatic', async () => {
    const subject = await harness();
    let id = '';
    const events = await emittedBy(subject, async () => {
      id = await subject.workflow.request({ requester: 'alice', description: 'read', tier: 'auto' });
    });
    expect(events.map((event) => event.type)).toEqual(['approval_requested', 'approval_approved']);
    expect(events[1]?.details).toMatchObject({ requestId: id, status: 'approved', automatic: true, quorum: 0 });
    expect(events[0]?.details).not.toHaveProperty('payloadDigest');
    expect(events[0]?.details).not.toHaveProperty('payload');
  });

  it('approve(id, approver) emits approval_approved naming the approver and the approvals so far', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    const first = await emittedBy(subject, () => subject.workflow.approve(id, 'bob'));
    expect(first).toEqual([
      expect.objectContaining({
        type: 'approval_approved',
        details: expect.objectContaining({
          requestId: id,
          approver: 'bob',
          status: 'pending',
          approvals: 1,
          quorum: 2,
        }),
      }),
    ]);
    const second = await emittedBy(subject, () => subject.workflow.approve(id, 'carol'));
    expect(second).toEqual([
      expect.objectContaining({
        type: 'approval_approved',
        details: expect.objectContaining({ requestId: id, approver: 'carol', status: 'approved', approvals: 2 }),
      }),
    ]);
  });

  it('reject(id, approver, reason) emits approval_rejected naming the approver and the reason', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const events = await emittedBy(subject, () => subject.workflow.reject(id, 'bob', 'not today'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'approval_rejected',
        details: expect.objectContaining({ requestId: id, approver: 'bob', status: 'rejected', reason: 'not today' }),
      }),
    ]);
  });

  it('approve(id, approver) refused (the requester, a decided request) emits nothing', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const refused = await emittedBy(subject, async () => {
      await expectWardenError(() => subject.workflow.approve(id, 'alice'), 'ACCESS_DENIED');
    });
    expect(refused).toEqual([]);
    await subject.workflow.approve(id, 'bob');
    const late = await emittedBy(subject, async () => {
      await expectWardenError(() => subject.workflow.approve(id, 'carol'), 'APPROVAL_NOT_PENDING');
    });
    expect(late).toEqual([]);
  });

  it('approve(id, approver) repeated by the same approver changes nothing and emits nothing', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    await subject.workflow.approve(id, 'bob');
    const repeated = await emittedBy(subject, () => subject.workflow.approve(id, 'bob'));
    expect(repeated).toEqual([]);
  });

  it('getStatus(id), get(id) and listPending() of an unchanged request emit nothing', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const events = await emittedBy(subject, async () => {
      await subject.workflow.getStatus(id);
      await subject.workflow.get(id);
      await subject.workflow.listPending();
      await subject.workflow.isApprovedFor(id, undefined);
    });
    expect(events).toEqual([]);
  });

  it('a request past its time-to-live emits approval_expired once', async () => {
    const subject = await harness();
    const id = await subject.workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await subject.advance(APPROVAL_CONTRACT_TTL_MS);
    const events = await emittedBy(subject, async () => {
      if (capabilities.expireDue) await subject.workflow.expireDue?.();
      await subject.workflow.getStatus(id);
      await subject.workflow.get(id);
    });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'approval_expired',
        details: expect.objectContaining({ requestId: id, requester: 'alice', status: 'expired' }),
      }),
    ]);
  });

  if (capabilities.cancel) {
    it('cancel(id, actor) emits approval_cancelled naming the actor', async () => {
      const subject = await harness();
      const id = await subject.workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
      const events = await emittedBy(subject, async () => {
        await subject.workflow.cancel?.(id, 'alice');
      });
      expect(events).toEqual([
        expect.objectContaining({
          type: 'approval_cancelled',
          details: expect.objectContaining({ requestId: id, actor: 'alice', status: 'cancelled' }),
        }),
      ]);
    });
  }
}
