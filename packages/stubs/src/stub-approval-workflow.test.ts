import { type ApprovalRecord, createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createStubApprovalWorkflow } from './stub-approval-workflow.js';

describe('createStubApprovalWorkflow()', () => {
  it('runs the seed interface: request, approve, reject, getStatus', async () => {
    const approvals = createStubApprovalWorkflow();
    const deploy = await approvals.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(await approvals.approve(deploy, 'bob')).toBe('approved');
    const rotate = await approvals.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await approvals.reject(rotate, 'carol', 'not now')).toBe('rejected');
    expect(await approvals.getStatus(rotate)).toBe('rejected');
    expect((await approvals.get(rotate)).reason).toBe('not now');
  });

  it('approve(id, approver) by someone isEligible refuses throws ACCESS_DENIED', async () => {
    const approvals = createStubApprovalWorkflow({ isEligible: (approver) => approver.startsWith('lead-') });
    const id = await approvals.request({ requester: 'alice', description: 'infra', tier: 'team-lead' });
    await expect(approvals.approve(id, 'bob')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await approvals.approve(id, 'lead-ana')).toBe('approved');
  });

  it('escalates a timed-out request when its tier says so, and emits an event per transition', async () => {
    let time = 0;
    const emitter = createSecurityEventEmitter({ now: () => time });
    const events: SecurityEvent[] = [];
    emitter.on('security', (event) => events.push(event));
    const approvals = createStubApprovalWorkflow({
      now: () => time,
      events: emitter,
      tiers: { 'peer-review': { ttlMs: 1_000, escalate: true } },
    });
    const id = await approvals.request({
      requester: 'alice',
      description: 'x',
      tier: 'peer-review',
      payload: { token: 'ghp_abcdefghijklmnopqrstuvwxyz0123' },
    });
    time = 1_000;
    expect(await approvals.expireDue()).toBe(1);
    expect(await approvals.get(id)).toMatchObject({ tier: 'team-lead', status: 'pending' });
    expect(events.map((event) => event.type)).toEqual(['approval_requested', 'approval_escalated']);
    expect(JSON.stringify(events)).not.toContain('ghp_');
  });
});

describe('createStubApprovalWorkflow({ isEligible }) decides eligibility like @warden/approvals', () => {
  it('approve(id, approver) records one approval toward a quorum of two, whatever isEligible wrote to the record it was shown', async () => {
    // A buggy or hostile resolver (a directory plugin, say) rewriting what it was given.
    const forgeQuorum = (approver: string, record: ApprovalRecord): boolean => {
      record.quorum = 0;
      record.requester = 'someone-else';
      record.decisions.push({ approver: 'ghost', decision: 'approve', at: record.createdAt, tier: record.tier });
      return approver === 'bob';
    };
    const approvals = createStubApprovalWorkflow({ isEligible: forgeQuorum });
    const id = await approvals.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await approvals.approve(id, 'bob')).toBe('pending');
    const record = await approvals.get(id);
    expect(record).toMatchObject({ quorum: 2, requester: 'alice', status: 'pending' });
    expect(record.decisions.map((decision) => decision.approver)).toEqual(['bob']);
  });

  it('approve(id, approver) throws ACCESS_DENIED unless isEligible returns true itself (not a promise, not "yes")', async () => {
    // `@warden/approvals` admits on `=== true` only; a truthy answer here admitted everyone,
    // so an asynchronous directory lookup that said no (a pending promise) still approved.
    const answers: unknown[] = [Promise.resolve(false), 'yes', 1, {}];
    for (const answer of answers) {
      const approvals = createStubApprovalWorkflow({ isEligible: () => answer as boolean });
      const id = await approvals.request({ requester: 'alice', description: 'infra', tier: 'team-lead' });
      await expect(approvals.approve(id, 'mallory')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      expect(await approvals.getStatus(id)).toBe('pending');
    }
  });

  it('approve(id, approver) throws ACCESS_DENIED, with the failure as its cause, when isEligible throws', async () => {
    const failure = new Error('directory unavailable');
    const approvals = createStubApprovalWorkflow({
      isEligible: () => {
        throw failure;
      },
    });
    const id = await approvals.request({ requester: 'alice', description: 'infra', tier: 'team-lead' });
    await expect(approvals.approve(id, 'bob')).rejects.toMatchObject({ code: 'ACCESS_DENIED', cause: failure });
    expect(await approvals.getStatus(id)).toBe('pending');
  });
});

describe('createStubApprovalWorkflow().listPending(filter) from a query string parsed by a lenient parser', () => {
  // The stub is also the embedded default: a misspelt field or a string read as no filter at
  // all listed every requester's requests to a caller who asked for one's.
  it('throws INVALID_INPUT for a filter @warden/approvals refuses, and still filters a valid one', async () => {
    const approvals = createStubApprovalWorkflow();
    const mine = await approvals.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await approvals.request({ requester: 'bob', description: 'deploy', tier: 'team-lead' });
    const filters: unknown[] = [
      null,
      'alice',
      { tier: 'bogus' },
      { tier: '__proto__' },
      { requester: ['alice'] },
      { requester: 7 },
      { requester: '' },
      { requestor: 'alice' },
    ];
    for (const filter of filters) {
      await expect(approvals.listPending(filter as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect((await approvals.listPending({ requester: 'alice' })).map((record) => record.id)).toEqual([mine]);
    expect(await approvals.listPending({ tier: 'team-lead' })).toHaveLength(1);
    expect(await approvals.listPending()).toHaveLength(2);
  });
});
