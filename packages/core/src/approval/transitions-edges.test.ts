import { describe, expect, it } from 'vitest';
import { computePayloadDigest } from '../payload-digest.js';
import type { ApprovalRecord, ApprovalRequest } from '../ports/approval.js';
import { resolveApprovalPolicies } from './policy.js';
import {
  applyApprovalAction,
  approvalCoversPayload,
  countApprovals,
  isApprovalOverdue,
  openApprovalRecord,
  settleApprovalTimeout,
  stepApproval,
} from './transitions.js';

// Edges where a broken state machine flips a decision, each pinned by a test of its own.
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);
const policies = resolveApprovalPolicies({
  'peer-review': { ttlMs: HOUR },
  'security-review': { ttlMs: HOUR },
});

function open(request: Partial<ApprovalRequest> = {}, now = START): ApprovalRecord {
  return openApprovalRecord({
    id: 'req-1',
    request: { requester: 'alice', description: 'deploy', tier: 'peer-review', ...request },
    now,
    policies,
  }).record;
}

const approve = (record: ApprovalRecord, approver: string, now = START + 1_000) =>
  applyApprovalAction(record, { type: 'approve', approver }, now);

describe('openApprovalRecord(input)', () => {
  it('opens a pending record with the tier quorum, times and version 1, without payload fields when none is given', () => {
    const step = openApprovalRecord({
      id: 'req-9',
      request: { requester: 'alice', description: 'deploy', tier: 'security-review' },
      now: START,
      policies,
    });
    expect(step.record).toEqual({
      id: 'req-9',
      requester: 'alice',
      description: 'deploy',
      tier: 'security-review',
      status: 'pending',
      quorum: 2,
      createdAt: new Date(START).toISOString(),
      expiresAt: new Date(START + HOUR).toISOString(),
      decisions: [],
      version: 1,
    });
    expect(step.events).toEqual([
      {
        type: 'approval_requested',
        details: {
          requestId: 'req-9',
          requester: 'alice',
          description: 'deploy',
          tier: 'security-review',
          status: 'pending',
          approvals: 0,
          quorum: 2,
        },
      },
    ]);
  });

  it('approves a quorum-0 tier at once, with an automatic approval event', () => {
    const step = openApprovalRecord({
      id: 'req-2',
      request: { requester: 'alice', description: 'typo', tier: 'auto', payload: { a: 1 } },
      now: START,
      policies,
    });
    expect(step.record).toMatchObject({ status: 'approved', decidedAt: new Date(START).toISOString() });
    expect(step.record.decidedBy).toBeUndefined();
    expect(step.events.map((event) => event.type)).toEqual(['approval_requested', 'approval_approved']);
    expect(step.events[1]?.details).toMatchObject({ automatic: true, status: 'approved' });
    expect(step.events[0]?.details).toMatchObject({ payload: { a: 1 }, payloadDigest: computePayloadDigest({ a: 1 }) });
  });

  it('classifies from classification when no tier is given, and never expires with a null time-to-live', () => {
    const forever = resolveApprovalPolicies({ 'team-lead': { ttlMs: null } });
    const step = openApprovalRecord({
      id: 'req-3',
      request: {
        requester: 'alice',
        description: 'infra',
        classification: { complexityScore: 1, isInfraChange: true },
      },
      now: START,
      policies: forever,
    });
    expect(step.record).toMatchObject({ tier: 'team-lead', quorum: 1, expiresAt: null, status: 'pending' });
    expect(isApprovalOverdue(step.record, START + 1_000 * HOUR)).toBe(false);
  });
});

describe('applyApprovalAction(record, action, now): separation of duties and quorum', () => {
  it('refuses the requester as the first approval of a quorum of 2, recording nothing', () => {
    const record = open({ tier: 'security-review' });
    expect(() => approve(record, 'alice')).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
    expect(record.decisions).toEqual([]);
  });

  it('refuses the requester as the last approval of a quorum of 2', () => {
    const first = approve(open({ tier: 'security-review' }), 'bob').record;
    expect(first.status).toBe('pending');
    expect(() => approve(first, 'alice')).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });

  it('refuses the requester rejecting their own request (they cancel instead)', () => {
    expect(() =>
      applyApprovalAction(open(), { type: 'reject', approver: 'alice', reason: 'changed my mind' }, START),
    ).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });

  it('approves only at the quorum-th distinct approval, naming who completed it', () => {
    const first = approve(open({ tier: 'security-review' }), 'bob');
    expect(first.record).toMatchObject({ status: 'pending', version: 2 });
    expect(first.record.decidedBy).toBeUndefined();
    expect(first.record.decidedAt).toBeUndefined();
    expect(countApprovals(first.record)).toBe(1);
    expect(first.events).toEqual([
      expect.objectContaining({
        type: 'approval_approved',
        details: expect.objectContaining({ approver: 'bob', approvals: 1, quorum: 2, status: 'pending' }),
      }),
    ]);
    const second = approve(first.record, 'carol', START + 2_000);
    expect(second.record).toMatchObject({
      status: 'approved',
      decidedBy: 'carol',
      decidedAt: new Date(START + 2_000).toISOString(),
      version: 3,
    });
    expect(second.record.decisions).toEqual([
      { approver: 'bob', decision: 'approve', at: new Date(START + 1_000).toISOString(), tier: 'security-review' },
      { approver: 'carol', decision: 'approve', at: new Date(START + 2_000).toISOString(), tier: 'security-review' },
    ]);
  });

  it('counts only approvals made at the current tier', () => {
    const record: ApprovalRecord = {
      ...open({ tier: 'security-review' }),
      decisions: [{ approver: 'bob', decision: 'approve', at: new Date(START).toISOString(), tier: 'team-lead' }],
    };
    expect(countApprovals(record)).toBe(0);
    expect(approve(record, 'carol').record.status).toBe('pending');
    const rejectedBefore: ApprovalRecord = {
      ...open({ tier: 'security-review' }),
      decisions: [{ approver: 'dave', decision: 'reject', at: new Date(START).toISOString(), tier: 'security-review' }],
    };
    expect(countApprovals(rejectedBefore)).toBe(0);
  });

  it('reject ends the request with the reason, the approver and the time', () => {
    const step = applyApprovalAction(open(), { type: 'reject', approver: 'bob', reason: 'no ticket' }, START + 5);
    expect(step.record).toMatchObject({
      status: 'rejected',
      reason: 'no ticket',
      decidedBy: 'bob',
      decidedAt: new Date(START + 5).toISOString(),
      version: 2,
    });
    expect(step.record.decisions).toEqual([
      {
        approver: 'bob',
        decision: 'reject',
        at: new Date(START + 5).toISOString(),
        tier: 'peer-review',
        reason: 'no ticket',
      },
    ]);
    expect(step.events).toEqual([
      expect.objectContaining({
        type: 'approval_rejected',
        details: expect.objectContaining({ approver: 'bob', reason: 'no ticket', status: 'rejected' }),
      }),
    ]);
  });
});

describe('applyApprovalAction(record, { type: cancel }, now)', () => {
  it('cancels, never approves: status cancelled, who and when recorded, no decision added', () => {
    const step = applyApprovalAction(open(), { type: 'cancel', actor: 'alice' }, START + 7);
    expect(step.record).toMatchObject({
      status: 'cancelled',
      decidedBy: 'alice',
      decidedAt: new Date(START + 7).toISOString(),
      decisions: [],
      version: 2,
    });
    expect(step.record.reason).toBeUndefined();
    expect(approvalCoversPayload(step.record, undefined)).toBe(false);
    expect(step.events).toEqual([
      expect.objectContaining({
        type: 'approval_cancelled',
        details: expect.objectContaining({ actor: 'alice', status: 'cancelled' }),
      }),
    ]);
  });

  it('keeps a cancellation reason when one is given', () => {
    const step = applyApprovalAction(open(), { type: 'cancel', actor: 'bob', reason: 'superseded' }, START);
    expect(step.record).toMatchObject({ status: 'cancelled', reason: 'superseded', decidedBy: 'bob' });
  });

  it('on a decided record throws APPROVAL_NOT_PENDING, naming its status', () => {
    const cancelled = applyApprovalAction(open(), { type: 'cancel', actor: 'alice' }, START).record;
    for (const action of [
      { type: 'cancel', actor: 'alice' },
      { type: 'approve', approver: 'bob' },
      { type: 'reject', approver: 'bob', reason: 'late' },
    ] as const) {
      expect(() => applyApprovalAction(cancelled, action, START)).toThrow(
        expect.objectContaining({ code: 'APPROVAL_NOT_PENDING' }),
      );
    }
  });
});

describe('approvalCoversPayload(record, payload)', () => {
  const approvedWith = (payload: unknown): ApprovalRecord => approve(open({ payload }), 'bob').record;

  it('never lets an approval without a payload cover a payload', () => {
    const record = approvedWith(undefined);
    expect(record.status).toBe('approved');
    expect(approvalCoversPayload(record, undefined)).toBe(true);
    for (const payload of [{ command: 'deploy' }, null, 0, '', {}]) {
      expect(approvalCoversPayload(record, payload), JSON.stringify(payload)).toBe(false);
    }
  });

  it('never lets an approval with a payload cover undefined or an unencodable payload', () => {
    const record = approvedWith({ command: 'deploy' });
    expect(approvalCoversPayload(record, undefined)).toBe(false);
    expect(approvalCoversPayload(record, { command: () => 'deploy' })).toBe(false);
    expect(approvalCoversPayload(record, { command: 'deploy' })).toBe(true);
  });

  it('is false for every status but approved', () => {
    const pending = open({ payload: { a: 1 } });
    for (const status of ['pending', 'rejected', 'expired', 'cancelled'] as const) {
      expect(approvalCoversPayload({ ...pending, status }, { a: 1 }), status).toBe(false);
    }
    expect(approvalCoversPayload({ ...pending, status: 'approved' }, { a: 1 })).toBe(true);
  });
});

describe('isApprovalOverdue(record, now) and settleApprovalTimeout(record, now, policies)', () => {
  it('is overdue at exactly expiresAt, not one millisecond before, and never once decided', () => {
    const record = open();
    expect(isApprovalOverdue(record, START + HOUR - 1)).toBe(false);
    expect(isApprovalOverdue(record, START + HOUR)).toBe(true);
    expect(isApprovalOverdue({ ...record, status: 'approved' }, START + 2 * HOUR)).toBe(false);
  });

  it('expires at the deadline with the deadline as decidedAt and one version more', () => {
    const step = settleApprovalTimeout(open(), START + 5 * HOUR, policies);
    expect(step.record).toMatchObject({
      status: 'expired',
      decidedAt: new Date(START + HOUR).toISOString(),
      version: 2,
    });
    expect(step.events.map((event) => event.type)).toEqual(['approval_expired']);
    expect(settleApprovalTimeout(open(), START + HOUR - 1, policies).record.status).toBe('pending');
  });

  it('escalating into a quorum-0 tier or beyond security-review expires instead of approving', () => {
    const toAuto = resolveApprovalPolicies({
      'peer-review': { ttlMs: HOUR, escalate: true },
      'team-lead': { quorum: 0 },
    });
    expect(settleApprovalTimeout(open(), START + HOUR, toAuto).record.status).toBe('expired');
    const top = resolveApprovalPolicies({ 'security-review': { ttlMs: HOUR, escalate: true } });
    expect(settleApprovalTimeout(open({ tier: 'security-review' }), START + HOUR, top).record.status).toBe('expired');
  });

  it('escalates to a tier that never expires when its time-to-live is null', () => {
    const escalating = resolveApprovalPolicies({
      'peer-review': { ttlMs: HOUR, escalate: true },
      'team-lead': { ttlMs: null },
    });
    const step = settleApprovalTimeout(open(), START + 10 * HOUR, escalating);
    expect(step.record).toMatchObject({
      status: 'pending',
      tier: 'team-lead',
      expiresAt: null,
      escalatedFrom: ['peer-review'],
      version: 2,
    });
    expect(step.events).toEqual([
      expect.objectContaining({
        type: 'approval_escalated',
        details: expect.objectContaining({ from: 'peer-review', tier: 'team-lead' }),
      }),
    ]);
  });
});

describe('the approval state machine against a clock that breaks and a deadline that cannot be read', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 9e15])(
    'a clock returning %s is INVALID_INPUT naming now, and changes nothing',
    (broken) => {
      const invalidClock = expect.objectContaining({
        code: 'INVALID_INPUT',
        issues: [expect.objectContaining({ path: 'now' })],
      });
      expect(() => open({}, broken)).toThrow(invalidClock);
      const record = open();
      const frozen = structuredClone(record);
      expect(() => stepApproval(record, { type: 'approve', approver: 'bob' }, broken, policies)).toThrow(invalidClock);
      expect(() => settleApprovalTimeout(record, broken, policies)).toThrow(invalidClock);
      expect(() => approve(record, 'bob', broken)).toThrow(invalidClock);
      expect(record).toEqual(frozen);
    },
  );

  it('a pending record whose expiresAt cannot be read is overdue and expires, never approves', () => {
    const damaged = { ...open(), expiresAt: 'not a time' };
    expect(isApprovalOverdue(damaged, START + 1)).toBe(true);
    const escalating = resolveApprovalPolicies({ 'peer-review': { ttlMs: HOUR, escalate: true } });
    const result = stepApproval(damaged, { type: 'approve', approver: 'bob' }, START + 1, escalating);
    expect(result.record).toMatchObject({
      status: 'expired',
      tier: 'peer-review',
      decidedAt: new Date(START + 1).toISOString(),
    });
    expect(result.error).toMatchObject({ code: 'APPROVAL_NOT_PENDING' });
  });
});

describe('stepApproval(record, action, now, policies)', () => {
  it('returns the refusal with the settled record, to be stored', () => {
    const result = stepApproval(open(), { type: 'approve', approver: 'bob' }, START + HOUR, policies);
    expect(result.record).toMatchObject({ status: 'expired', version: 2 });
    expect(result.error).toMatchObject({ code: 'APPROVAL_NOT_PENDING' });
  });

  it('returns the record unchanged, without error, when nothing happens', () => {
    const record = open();
    const result = stepApproval(record, undefined, START + 1, policies);
    expect(result.record).toBe(record);
    expect(result.events).toEqual([]);
    expect('error' in result).toBe(false);
  });
});
