import { expect, it } from 'vitest';
import { type ApprovalStoreSuite, idsOf, nextOf, recordOf } from './harness.js';

/** listPending: pending records only, oldest first, by tier and requester, following every change. */
export function registerApprovalStorePending({ store, timeoutMs }: ApprovalStoreSuite): void {
  it(
    'listPending(filter) lists pending records oldest first, by tier, by requester and by both',
    async () => {
      const approvals = await store();
      const older = recordOf({ requester: 'a:b c' });
      const newer = recordOf({ requester: 'a:b c', tier: 'team-lead' });
      const other = recordOf({ requester: 'bob' });
      // Created out of order: the order comes from createdAt, not from insertion.
      for (const record of [newer, other, older]) await approvals.create(record);
      const ids = async (filter?: object) => idsOf(await approvals.listPending(filter));
      expect(await ids()).toEqual([older.id, newer.id, other.id]);
      expect(await ids({})).toEqual([older.id, newer.id, other.id]);
      expect(await ids({ requester: 'a:b c' })).toEqual([older.id, newer.id]);
      expect(await ids({ tier: 'peer-review' })).toEqual([older.id, other.id]);
      expect(await ids({ requester: 'a:b c', tier: 'team-lead' })).toEqual([newer.id]);
      expect(await ids({ requester: 'bob', tier: 'team-lead' })).toEqual([]);
      expect(await ids({ tier: 'security-review' })).toEqual([]);
    },
    timeoutMs,
  );

  it(
    'listPending({ requester }) matches the requester exactly, never by prefix or pattern',
    async () => {
      const approvals = await store();
      const records = ['a', 'a:b', 'ab', 'a*', 'A'].map((requester) => recordOf({ requester }));
      for (const record of records) await approvals.create(record);
      for (const record of records) {
        expect(idsOf(await approvals.listPending({ requester: record.requester }))).toEqual([record.id]);
      }
      expect(await approvals.listPending({ requester: '*' })).toEqual([]);
      // An empty name is a name like any other, never "no filter": a caller passing on a
      // requester it read as '' must not be shown everyone's requests.
      expect(await approvals.listPending({ requester: '' })).toEqual([]);
    },
    timeoutMs,
  );

  it(
    'listPending(filter) returns whole records, as copies',
    async () => {
      const approvals = await store();
      const record = recordOf({ payload: { target: 'prod' }, payloadDigest: `sha256:${'cd'.repeat(32)}` });
      await approvals.create(record);
      const [listed] = await approvals.listPending();
      expect(listed).toEqual(record);
      if (!listed) return;
      listed.status = 'approved';
      listed.decisions.push({ approver: 'mallory', decision: 'approve', at: listed.createdAt });
      expect(await approvals.get(record.id)).toEqual(record);
      expect(await approvals.listPending()).toEqual([record]);
    },
    timeoutMs,
  );

  it(
    'listPending(filter) leaves out records created decided and records a compareAndSet decided',
    async () => {
      const approvals = await store();
      const approvedAtOnce = recordOf({
        tier: 'auto',
        quorum: 0,
        status: 'approved',
        decidedAt: '2026-01-01T00:00:00.000Z',
      });
      const pending = recordOf();
      const decided = ['approved', 'rejected', 'expired', 'cancelled'] as const;
      const later = decided.map(() => recordOf());
      for (const record of [approvedAtOnce, pending, ...later]) await approvals.create(record);
      for (const [index, status] of decided.entries()) {
        const record = later[index];
        if (!record) continue;
        expect(await approvals.compareAndSet(record.id, 1, nextOf(record, { status }))).toBe(true);
      }
      expect(idsOf(await approvals.listPending())).toEqual([pending.id]);
      expect(idsOf(await approvals.listPending({ requester: 'alice' }))).toEqual([pending.id]);
      expect(idsOf(await approvals.listPending({ tier: 'peer-review' }))).toEqual([pending.id]);
      expect(await approvals.listPending({ tier: 'auto' })).toEqual([]);
    },
    timeoutMs,
  );

  it(
    'listPending({ tier }) follows a compareAndSet that moves a pending record to another tier',
    async () => {
      const approvals = await store();
      const record = recordOf({ tier: 'team-lead' });
      await approvals.create(record);
      const escalated = nextOf(record, { tier: 'security-review', quorum: 2, escalatedFrom: ['team-lead'] });
      expect(await approvals.compareAndSet(record.id, 1, escalated)).toBe(true);
      expect(await approvals.listPending({ tier: 'team-lead' })).toEqual([]);
      expect(await approvals.listPending({ tier: 'security-review' })).toEqual([escalated]);
      expect(await approvals.listPending()).toEqual([escalated]);
    },
    timeoutMs,
  );

  it(
    'listPending() of a fresh store is empty',
    async () => {
      const approvals = await store();
      expect(await approvals.listPending()).toEqual([]);
    },
    timeoutMs,
  );
}
