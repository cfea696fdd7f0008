import { type ApprovalStore, createSecurityEventEmitter, REDACTED, type SecurityEvent } from '@warden/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalWorkflow } from './approval-workflow.js';
import type { ApprovalWorkflowConfig } from './approval-workflow-config.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

const HOUR = 3_600_000;

function setup(settings: ApprovalWorkflowConfig = {}) {
  let time = Date.UTC(2026, 0, 1);
  const events: SecurityEvent[] = [];
  const emitter = createSecurityEventEmitter({ now: () => time });
  emitter.on('security', (event) => events.push(event));
  const workflow = createApprovalWorkflow({ now: () => time, events: emitter, ...settings });
  return { workflow, events, advance: (ms: number) => (time += ms) };
}

describe('ai-sdlc fixes', () => {
  it('reject(id, approver, reason) keeps the reason (ai-sdlc dropped it)', async () => {
    const { workflow } = setup();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await workflow.reject(id, 'bob', 'tests are red');
    expect((await workflow.get(id)).reason).toBe('tests are red');
  });

  it('approve(id, approver) by the requester throws ACCESS_DENIED (ai-sdlc allowed self-approval)', async () => {
    const { workflow } = setup();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expect(workflow.approve(id, 'alice')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('getStatus(id) after the default 24 h is expired (ai-sdlc requests never expired)', async () => {
    const { workflow, advance } = setup();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'security-review' });
    advance(24 * HOUR);
    expect(await workflow.getStatus(id)).toBe('expired');
  });
});

describe('createApprovalWorkflow() on the wall clock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * A workflow on the real (mocked) clocks with one request filed by alice; `step` moves the
   * monotonic clock on by `elapsed` and sets the wall clock `wallMoved` from where it started.
   */
  async function requestOnMockedClocks(tier: 'security-review' | 'peer-review') {
    const start = Date.UTC(2026, 0, 1);
    const wall = vi.spyOn(Date, 'now').mockReturnValue(start);
    const monotonic = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier });
    const step = ({ elapsed, wallMoved }: { elapsed: number; wallMoved: number }) => {
      monotonic.mockReturnValue(1_000 + elapsed);
      wall.mockReturnValue(start + wallMoved);
    };
    return { workflow, id, step };
  }

  // The attacker here is a fault: the wall clock steps back an hour (NTP, a VM restored from a
  // snapshot) while a request waits. It must still expire when its lifetime has passed.
  it('a wall clock stepped back an hour keeps no request approvable past its lifetime', async () => {
    const { workflow, id, step } = await requestOnMockedClocks('security-review');
    // A day and a minute pass; the wall clock says only 23 hours and a minute.
    step({ elapsed: 24 * HOUR + 60_000, wallMoved: 23 * HOUR + 60_000 });
    expect(await workflow.getStatus(id)).toBe('expired');
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'APPROVAL_NOT_PENDING' });
  });

  it('a request within its lifetime stays pending whichever way the wall clock stepped', async () => {
    const { workflow, id, step } = await requestOnMockedClocks('peer-review');
    step({ elapsed: HOUR, wallMoved: -HOUR });
    expect(await workflow.getStatus(id)).toBe('pending');
    expect(await workflow.approve(id, 'bob')).toBe('approved');
  });
});

describe('createApprovalWorkflow(settings) approvers', () => {
  it('approve(id, approver) by someone not on the tier list throws ACCESS_DENIED', async () => {
    const { workflow } = setup({ tiers: { 'team-lead': { approvers: ['lead'] } } });
    const id = await workflow.request({ requester: 'alice', description: 'infra', tier: 'team-lead' });
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(workflow.reject(id, 'bob', 'no')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.approve(id, 'lead')).toBe('approved');
  });

  it('approve(id, approver) is denied when the resolver throws (fail closed)', async () => {
    const resolver = async () => {
      throw new Error('directory down');
    };
    const { workflow } = setup({ approvers: resolver });
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('the resolver sees the record at its current tier', async () => {
    const seen: string[] = [];
    const resolver = (approver: string, record: { tier: string }) => {
      seen.push(record.tier);
      return approver === 'bob';
    };
    const { workflow } = setup({ approvers: resolver });
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'team-lead' });
    await workflow.approve(id, 'bob');
    expect(seen).toEqual(['team-lead']);
  });

  it('cancel(id, actor) by someone neither requester nor approver throws ACCESS_DENIED', async () => {
    const { workflow } = setup({ approvers: ['bob'] });
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    await expect(workflow.cancel(id, 'mallory')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.cancel(id, 'bob')).toBe('cancelled');
  });
});

describe('createApprovalWorkflow(settings) escalation', () => {
  it('a timed-out peer-review escalates to team-lead and shows under that tier', async () => {
    const { workflow, advance, events } = setup({
      tiers: { 'peer-review': { ttl: '1h', escalate: true }, 'team-lead': { ttl: '2h' } },
    });
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    advance(HOUR);
    expect((await workflow.listPending({ tier: 'team-lead' })).map((record) => record.id)).toEqual([id]);
    expect(await workflow.get(id)).toMatchObject({ tier: 'team-lead', escalatedFrom: ['peer-review'] });
    expect(events.map((event) => event.type)).toContain('approval_escalated');
    advance(2 * HOUR);
    expect(await workflow.expireDue()).toBe(1);
    expect(await workflow.getStatus(id)).toBe('expired');
  });
});

describe('createApprovalWorkflow(settings) events', () => {
  it('emits one event per transition, with payload secrets redacted', async () => {
    const { workflow, events } = setup();
    const payload = {
      command: 'deploy',
      apiKey: 'sk-live-0123456789abcdefghij',
      note: 'ghp_abcdefghijklmnopqrstuvwxyz0123',
    };
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'security-review', payload });
    await workflow.approve(id, 'bob');
    await workflow.approve(id, 'carol');
    expect(events.map((event) => [event.type, event.details.status])).toEqual([
      ['approval_requested', 'pending'],
      ['approval_approved', 'pending'],
      ['approval_approved', 'approved'],
    ]);
    expect(events[0]?.details.payload).toEqual({ command: 'deploy', apiKey: REDACTED, note: REDACTED });
    expect(JSON.stringify(events)).not.toContain('sk-live');
    expect((await workflow.get(id)).payload).toEqual(payload);
  });

  it('50 concurrent approvals emit exactly one transition to approved', async () => {
    const { workflow, events } = setup();
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'security-review' });
    await Promise.allSettled(Array.from({ length: 50 }, (_, index) => workflow.approve(id, `approver-${index}`)));
    const approvedTransitions = events.filter((event) => event.details.status === 'approved');
    expect(approvedTransitions).toHaveLength(1);
    expect(events.filter((event) => event.type === 'approval_approved')).toHaveLength(2);
  });
});

describe('createApprovalWorkflow(settings) payload binding', () => {
  it('isApprovedFor(id, payload) is true only for the approved payload', async () => {
    const { workflow } = setup();
    const payload = { target: 'prod', message: 'hello' };
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review', payload });
    expect(await workflow.isApprovedFor(id, payload)).toBe(false);
    await workflow.approve(id, 'bob');
    expect(await workflow.isApprovedFor(id, { message: 'hello', target: 'prod' })).toBe(true);
    expect(await workflow.isApprovedFor(id, { target: 'prod', message: 'hello!' })).toBe(false);
  });
});

describe('createApprovalWorkflow(settings) errors', () => {
  it('throws INVALID_INPUT naming the field for a bad TTL or quorum', () => {
    expect(() => createApprovalWorkflow({ tiers: { 'team-lead': { ttl: '-5m' } } })).toThrow(/tiers\.team-lead\.ttl/);
    expect(() => createApprovalWorkflow({ tiers: { 'team-lead': { quorum: 1.5 } } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('throws UNSUPPORTED_SPECIFICATION for a store of another port version', () => {
    const store = { ...createMemoryApprovalStore(), specificationVersion: 'approval-store-v0' };
    expect(() => createApprovalWorkflow({ store } as unknown as ApprovalWorkflowConfig)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_SPECIFICATION' }),
    );
  });

  it('approve(id, approver) gives up with CONFLICT when every compare-and-set loses', async () => {
    const memory = createMemoryApprovalStore();
    const store: ApprovalStore = { ...memory, compareAndSet: async () => false };
    const { workflow } = setup({ store, maxAttempts: 3 });
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('separation of duties against a requester who spells her name another way', () => {
  it.each(['Alice', 'alice ', ' ALICE', 'ａｌｉｃｅ', 'alice\u200b'])(
    'approve(id, %j) of alice’s request throws ACCESS_DENIED',
    async (spelling) => {
      const { workflow } = setup();
      const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
      await expect(workflow.approve(id, spelling)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(workflow.reject(id, spelling, 'no')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      expect(await workflow.getStatus(id)).toBe('pending');
    },
  );

  it('approve(id, "bob") then approve(id, "Bob ") counts one approver toward a quorum of two', async () => {
    const { workflow } = setup();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    expect(await workflow.approve(id, 'Bob ')).toBe('pending');
    expect(await workflow.approve(id, 'carol')).toBe('approved');
  });

  it('an approver list matches the normalised name', async () => {
    const { workflow } = setup({ tiers: { 'team-lead': { approvers: ['Lead'] } } });
    const id = await workflow.request({ requester: 'alice', description: 'infra', tier: 'team-lead' });
    expect(await workflow.approve(id, ' lead')).toBe('approved');
  });

  it('caseSensitiveIdentities: true tells Bob from bob, but still not "alice " from alice', async () => {
    const { workflow } = setup({ caseSensitiveIdentities: true });
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    await expect(workflow.approve(id, 'alice ')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.approve(id, 'Alice')).toBe('pending');
    expect(await workflow.approve(id, 'bob')).toBe('approved');
  });
});
