import { describe, expect, it } from 'vitest';
import { computePayloadDigest } from '../payload-digest.js';
import { type ApprovalRecord, principalSchema } from '../ports/approval.js';
import { nextApprovalTier, resolveApprovalPolicies } from './policy.js';
import {
  applyApprovalAction,
  approvalCoversPayload,
  approvalIdentityKey,
  countApprovals,
  isApprovalOverdue,
  openApprovalRecord,
  settleApprovalTimeout,
  stepApproval,
} from './transitions.js';

const HOUR = 3_600_000;
const policies = resolveApprovalPolicies({ 'peer-review': { ttlMs: HOUR } });

function open(overrides: Partial<Parameters<typeof openApprovalRecord>[0]['request']> = {}): ApprovalRecord {
  return openApprovalRecord({
    id: 'req-1',
    request: { requester: 'alice', description: 'deploy', tier: 'peer-review', ...overrides },
    now: 0,
    policies,
  }).record;
}

describe('resolveApprovalPolicies(overrides)', () => {
  it('defaults the quorums to auto 0, peer-review 1, team-lead 1, security-review 2', () => {
    const resolved = resolveApprovalPolicies();
    expect([resolved.auto.quorum, resolved['peer-review'].quorum]).toEqual([0, 1]);
    expect([resolved['team-lead'].quorum, resolved['security-review'].quorum]).toEqual([1, 2]);
    expect(resolved['team-lead'].ttlMs).toBe(24 * HOUR);
  });

  it('throws INVALID_INPUT naming the field for a negative quorum or an unknown tier', () => {
    expect(() => resolveApprovalPolicies({ 'team-lead': { quorum: -1 } })).toThrow(/team-lead\.quorum/);
    expect(() => resolveApprovalPolicies({ nope: {} } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('resolveApprovalPolicies(overrides) against a polluted Object.prototype', () => {
  // The attacker: another library in the process set fields on Object.prototype (a deep merge fed
  // a "__proto__" key). A quorum of 0 would approve every request the moment it is made.
  const prototype = Object.prototype as Record<string, unknown>;

  it('takes no quorum, lifetime or tier policy the overrides do not hold themselves', () => {
    const clean = resolveApprovalPolicies({ 'peer-review': { ttlMs: HOUR } });
    try {
      prototype.quorum = 0;
      prototype.ttlMs = null;
      prototype.escalate = true;
      prototype['security-review'] = { quorum: 0 };
      // Compared as JSON: a deep equality would itself read the polluted fields on both sides.
      expect(JSON.stringify(resolveApprovalPolicies({ 'peer-review': { ttlMs: HOUR } }))).toBe(JSON.stringify(clean));
      expect(resolveApprovalPolicies()['security-review'].quorum).toBe(2);
      const record = openApprovalRecord({
        id: 'req-1',
        request: { requester: 'mallory', description: 'rotate keys', tier: 'security-review' },
        now: 0,
        policies: resolveApprovalPolicies(),
      }).record;
      expect(record.status).toBe('pending');
    } finally {
      delete prototype.quorum;
      delete prototype.ttlMs;
      delete prototype.escalate;
      delete prototype['security-review'];
    }
  });
});

describe('openApprovalRecord(input)', () => {
  it('classifies the tier when none is given and approves auto at once', () => {
    const step = openApprovalRecord({
      id: 'a',
      request: { requester: 'alice', description: 'typo fix', classification: { complexityScore: 1 } },
      now: 0,
      policies,
    });
    expect(step.record).toMatchObject({ tier: 'auto', status: 'approved', quorum: 0, version: 1 });
    expect(step.events.map((event) => event.type)).toEqual(['approval_requested', 'approval_approved']);
  });

  it('defaults to peer-review, not auto, when neither tier nor classification is given', () => {
    const step = openApprovalRecord({ id: 'a', request: { requester: 'alice', description: 'x' }, now: 0, policies });
    expect(step.record.tier).toBe('peer-review');
    expect(step.record.status).toBe('pending');
  });

  it('binds the payload by digest and stores it in canonical JSON form', () => {
    const record = open({ payload: { b: 1, a: [1, 2] } });
    expect(record.payloadDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(record.payload).toEqual({ a: [1, 2], b: 1 });
    expect(record.expiresAt).toBe('1970-01-01T01:00:00.000Z');
  });

  it('a requester whose payload answers each read differently gets a digest of the payload approvers are shown', () => {
    // An in-process requester (a plugin) passes a Proxy: "rm -rf /" to one read, "ls" to the next.
    let reads = 0;
    const payload = new Proxy(
      { command: 'ls' },
      {
        getOwnPropertyDescriptor(target, key) {
          const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
          if (key !== 'command' || descriptor === undefined) return descriptor;
          reads += 1;
          return { ...descriptor, value: reads === 1 ? 'rm -rf /' : 'ls' };
        },
      },
    );
    const record = open({ payload });
    // The approval covers exactly what approvers were shown, and nothing they were not.
    expect(record.payloadDigest).toBe(computePayloadDigest(record.payload));
    const approved = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1).record;
    const shown = JSON.stringify(record.payload);
    for (const command of ['ls', 'rm -rf /']) {
      const covered = approvalCoversPayload(approved, { command });
      expect(covered).toBe(shown === JSON.stringify({ command }));
    }
  });
});

describe('applyApprovalAction(record, action, now)', () => {
  it('approve by the requester throws ACCESS_DENIED', () => {
    expect(() => applyApprovalAction(open(), { type: 'approve', approver: 'alice' }, 1)).toThrow(
      expect.objectContaining({ code: 'ACCESS_DENIED' }),
    );
  });

  it('approve by the same approver twice counts once', () => {
    const record = { ...open(), quorum: 2 };
    const once = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1).record;
    const twice = applyApprovalAction(once, { type: 'approve', approver: 'bob' }, 2);
    expect(twice.record).toBe(once);
    expect(twice.events).toEqual([]);
    expect(countApprovals(once)).toBe(1);
    expect(once.status).toBe('pending');
  });

  it('reject keeps the reason in the record and in the decision', () => {
    const step = applyApprovalAction(open(), { type: 'reject', approver: 'bob', reason: 'too risky' }, 5);
    expect(step.record).toMatchObject({ status: 'rejected', reason: 'too risky', decidedBy: 'bob', version: 2 });
    expect(step.record.decisions).toEqual([
      { approver: 'bob', decision: 'reject', at: '1970-01-01T00:00:00.005Z', tier: 'peer-review', reason: 'too risky' },
    ]);
    expect(step.events[0]?.details).toMatchObject({ reason: 'too risky' });
  });

  it('any action on a decided record throws APPROVAL_NOT_PENDING', () => {
    const approved = applyApprovalAction(open(), { type: 'approve', approver: 'bob' }, 1).record;
    expect(() => applyApprovalAction(approved, { type: 'cancel', actor: 'alice' }, 2)).toThrow(
      expect.objectContaining({ code: 'APPROVAL_NOT_PENDING', status: 'approved' }),
    );
  });
});

describe('separation of duties by identity key, against a requester who respells her name', () => {
  it.each(['Alice', 'alice ', '\talice', 'ＡＬＩＣＥ', 'al\u00adice', 'alice\u200b', 'alice\u2800', '\u2800Alice'])(
    'approve or reject by %j of alice’s request throws ACCESS_DENIED',
    (spelling) => {
      for (const action of [
        { type: 'approve', approver: spelling },
        { type: 'reject', approver: spelling, reason: 'no' },
      ] as const) {
        expect(() => applyApprovalAction(open(), action, 1)).toThrow(
          expect.objectContaining({ code: 'ACCESS_DENIED' }),
        );
      }
    },
  );

  it('a requester "Alice Smith" cannot approve as "Alice  Smith" or "Alice \u200b Smith" (whitespace runs are one space)', () => {
    const record = { ...open(), requester: 'Alice Smith' };
    for (const approver of ['Alice  Smith', 'alice \u200b smith', 'Alice\u3000\u3000Smith', 'ALICE\u00a0 SMITH']) {
      expect(() => applyApprovalAction(record, { type: 'approve', approver }, 1)).toThrow(
        expect.objectContaining({ code: 'ACCESS_DENIED' }),
      );
    }
    expect(approvalIdentityKey('Alice  Smith', { caseSensitiveIdentities: true })).toBe('Alice Smith');
  });

  it('approvalIdentityKey of a non-string is INVALID_INPUT, not a TypeError', () => {
    for (const identity of [123, null, undefined, { toString: () => 'alice' }, ['alice']]) {
      expect(() => approvalIdentityKey(identity as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', issues: [{ path: 'identity', message: 'must be a string' }] }),
      );
    }
  });

  it('principalSchema refuses a name that is only braille blanks (it shows nobody)', () => {
    expect(principalSchema.safeParse('\u2800\u2800').success).toBe(false);
    expect(principalSchema.safeParse('alice').success).toBe(true);
  });

  it('bob and Bob make one approver, not a quorum of two', () => {
    const record = { ...open(), quorum: 2 };
    const once = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1).record;
    const again = applyApprovalAction(once, { type: 'approve', approver: 'Bob' }, 2);
    expect(again.record).toBe(once);
    expect(countApprovals(once)).toBe(1);
    const stored = {
      ...once,
      decisions: [...once.decisions, { approver: ' BOB', decision: 'approve' as const, at: 'x', tier: once.tier }],
    };
    expect(countApprovals(stored)).toBe(1);
  });

  it('with caseSensitiveIdentities, Bob and bob are two people but "alice " is still alice', () => {
    const options = { caseSensitiveIdentities: true };
    const record = { ...open(), quorum: 2 };
    const once = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1, options).record;
    expect(applyApprovalAction(once, { type: 'approve', approver: 'Bob' }, 2, options).record.status).toBe('approved');
    expect(() => applyApprovalAction(open(), { type: 'approve', approver: 'alice ' }, 1, options)).toThrow(
      expect.objectContaining({ code: 'ACCESS_DENIED' }),
    );
    expect(applyApprovalAction(open(), { type: 'approve', approver: 'Alice' }, 1, options).record.status).toBe(
      'approved',
    );
  });

  it('approvalIdentityKey folds case beyond ASCII (ß and ss, final sigma)', () => {
    expect(approvalIdentityKey('STRASSE')).toBe(approvalIdentityKey('straße'));
    expect(approvalIdentityKey('ΟΔΥΣΣΕΥΣ')).toBe(approvalIdentityKey('οδυσσευς'));
  });
});

describe('separation of duties against characters drawn as nothing that are neither Cf nor default-ignorable', () => {
  // The attacker: the requester, approving her own request under a name that shows as hers.
  const blanks = {
    'U+1D159 musical symbol null notehead': '\u{1D159}',
    'U+16FE4 Khitan small script filler': '\u{16FE4}',
    'U+115F Hangul choseong filler': '\u115F',
    'U+1160 Hangul jungseong filler': '\u1160',
    'U+3164 Hangul filler': '\u3164',
    'U+FFA0 halfwidth Hangul filler': '\uFFA0',
  };

  it.each(Object.entries(blanks))('requester alice cannot approve as alice with %s', (_name, blank) => {
    for (const approver of [`alice${blank}`, `ali${blank}ce`, `${blank}alice`]) {
      expect(approvalIdentityKey(approver)).toBe('alice');
      expect(() => applyApprovalAction(open(), { type: 'approve', approver }, 1)).toThrow(
        expect.objectContaining({ code: 'ACCESS_DENIED' }),
      );
    }
  });

  it.each(Object.entries(blanks))('bob and bob with %s make one approver, not a quorum of two', (_name, blank) => {
    const record = { ...open(), quorum: 2 };
    const once = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1).record;
    const again = applyApprovalAction(once, { type: 'approve', approver: `bob${blank}` }, 2);
    expect(again.record).toBe(once);
    expect(again.record.status).toBe('pending');
    expect(countApprovals(once)).toBe(1);
  });

  it('principalSchema refuses a name made only of them', () => {
    expect(principalSchema.safeParse(Object.values(blanks).join('')).success).toBe(false);
  });
});

describe('settleApprovalTimeout(record, now, policies)', () => {
  it('expires an overdue request and never approves it', () => {
    const record = open();
    expect(settleApprovalTimeout(record, HOUR - 1, policies).record).toBe(record);
    const settled = settleApprovalTimeout(record, HOUR, policies);
    expect(settled.record).toMatchObject({ status: 'expired', decidedAt: '1970-01-01T01:00:00.000Z', version: 2 });
    expect(settled.events.map((event) => event.type)).toEqual(['approval_expired']);
    expect(isApprovalOverdue(settled.record, HOUR * 10)).toBe(false);
  });

  it('escalates through tiers from each deadline and starts a fresh count at each tier', () => {
    const escalating = resolveApprovalPolicies({
      'peer-review': { ttlMs: HOUR, escalate: true },
      'team-lead': { ttlMs: HOUR, escalate: true },
      'security-review': { ttlMs: HOUR },
    });
    const record = applyApprovalAction({ ...open(), quorum: 2 }, { type: 'approve', approver: 'bob' }, 1).record;
    const atTeamLead = settleApprovalTimeout(record, HOUR + 1, escalating).record;
    expect(atTeamLead).toMatchObject({
      tier: 'team-lead',
      quorum: 1,
      status: 'pending',
      escalatedFrom: ['peer-review'],
    });
    expect(atTeamLead.expiresAt).toBe('1970-01-01T02:00:00.000Z');
    expect(countApprovals(atTeamLead)).toBe(0);
    const late = settleApprovalTimeout(record, 3 * HOUR, escalating);
    expect(late.record).toMatchObject({ status: 'expired', tier: 'security-review', version: 3 });
    expect(late.events.map((event) => event.type)).toEqual([
      'approval_escalated',
      'approval_escalated',
      'approval_expired',
    ]);
    expect(nextApprovalTier('security-review')).toBeUndefined();
  });
});

describe('approvalCoversPayload(record, payload)', () => {
  it('is true only for an approved record and the same payload, whatever the key order', () => {
    const record = open({ payload: { command: 'deploy', target: 'prod' } });
    expect(approvalCoversPayload(record, { target: 'prod', command: 'deploy' })).toBe(false);
    const approved = applyApprovalAction(record, { type: 'approve', approver: 'bob' }, 1).record;
    expect(approvalCoversPayload(approved, { target: 'prod', command: 'deploy' })).toBe(true);
    expect(approvalCoversPayload(approved, { target: 'staging', command: 'deploy' })).toBe(false);
    expect(approvalCoversPayload(approved, undefined)).toBe(false);
  });
});

describe('stepApproval(record, action, now, policies)', () => {
  it('stores the expiry even when the approval that noticed it is refused', () => {
    const record = open();
    const step = stepApproval(record, { type: 'approve', approver: 'bob' }, HOUR, policies);
    expect(step.record).toMatchObject({ status: 'expired', version: 2, decisions: [] });
    expect(step.error).toMatchObject({ code: 'APPROVAL_NOT_PENDING', status: 'expired' });
    expect(step.events.map((event) => event.type)).toEqual(['approval_expired']);
  });

  it('bumps the version once for a settle and an action together', () => {
    const escalating = resolveApprovalPolicies({ 'peer-review': { ttlMs: HOUR, escalate: true } });
    const step = stepApproval(open(), { type: 'approve', approver: 'bob' }, HOUR, escalating);
    expect(step.record).toMatchObject({ status: 'approved', tier: 'team-lead', version: 2 });
    expect(step.error).toBeUndefined();
  });

  it('returns the same record when nothing changes', () => {
    const record = open();
    expect(stepApproval(record, undefined, 1, policies).record).toBe(record);
  });
});
