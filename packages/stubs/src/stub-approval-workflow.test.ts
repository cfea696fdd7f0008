import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
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
