import { expect, it } from 'vitest';
import { type ApprovalStoreSuite, nextOf, recordOf } from './harness.js';

/** compareAndSet: writes only over the expected version, with version + 1, for the same id. */
export function registerApprovalStoreCompareAndSet({ store, timeoutMs }: ApprovalStoreSuite): void {
  it(
    'compareAndSet(id, version, next) over the stored version writes next and returns true',
    async () => {
      const approvals = await store();
      const record = recordOf();
      await approvals.create(record);
      const approved = nextOf(record, {
        status: 'approved',
        decidedAt: '2026-01-01T00:05:00.000Z',
        decidedBy: 'bob',
        decisions: [{ approver: 'bob', decision: 'approve', at: '2026-01-01T00:05:00.000Z', tier: 'peer-review' }],
      });
      expect(await approvals.compareAndSet(record.id, 1, approved)).toBe(true);
      expect(await approvals.get(record.id)).toEqual(approved);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, staleVersion, next) returns false and changes nothing',
    async () => {
      const approvals = await store();
      const record = recordOf();
      await approvals.create(record);
      const second = nextOf(record, { description: 'second' });
      expect(await approvals.compareAndSet(record.id, 1, second)).toBe(true);
      // A writer that read version 1 lost the race: its change must not land.
      const lost = nextOf(record, { status: 'approved', decidedBy: 'mallory' });
      expect(await approvals.compareAndSet(record.id, 1, lost)).toBe(false);
      expect(await approvals.compareAndSet(record.id, 0, { ...lost, version: 1 })).toBe(false);
      expect(await approvals.compareAndSet(record.id, 3, { ...lost, version: 4 })).toBe(false);
      expect(await approvals.get(record.id)).toEqual(second);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) whose next.version is not version + 1 returns false and changes nothing',
    async () => {
      const approvals = await store();
      const record = recordOf();
      await approvals.create(record);
      for (const version of [1, 3, 5, 0]) {
        const next = { ...nextOf(record, { status: 'approved' }), version };
        expect(await approvals.compareAndSet(record.id, 1, next), `next.version ${version}`).toBe(false);
      }
      expect(await approvals.get(record.id)).toEqual(record);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) whose next.id is another id returns false and changes neither record',
    async () => {
      const approvals = await store();
      const record = recordOf();
      const other = recordOf();
      await approvals.create(record);
      await approvals.create(other);
      const forged = nextOf(other, { status: 'approved', decidedBy: 'mallory' });
      expect(await approvals.compareAndSet(record.id, 1, forged)).toBe(false);
      expect(await approvals.get(record.id)).toEqual(record);
      expect(await approvals.get(other.id)).toEqual(other);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) of an id never created returns false and creates nothing',
    async () => {
      const approvals = await store();
      const record = recordOf();
      expect(await approvals.compareAndSet(record.id, 0, { ...record, version: 1 })).toBe(false);
      expect(await approvals.compareAndSet(record.id, 1, nextOf(record))).toBe(false);
      expect(await approvals.get(record.id)).toBeUndefined();
      expect(await approvals.listPending()).toEqual([]);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) stores a copy: changing next afterwards changes nothing stored',
    async () => {
      const approvals = await store();
      const record = recordOf();
      await approvals.create(record);
      const next = nextOf(record, { decisions: [{ approver: 'bob', decision: 'approve', at: record.createdAt }] });
      const expected = structuredClone(next);
      expect(await approvals.compareAndSet(record.id, 1, next)).toBe(true);
      next.status = 'approved';
      next.decisions.push({ approver: 'mallory', decision: 'approve', at: record.createdAt });
      expect(await approvals.get(record.id)).toEqual(expected);
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) called by 20 writers over the same version lets exactly one win',
    async () => {
      const approvals = await store();
      const record = recordOf({ quorum: 20 });
      await approvals.create(record);
      const writers = Array.from({ length: 20 }, (_, index) =>
        nextOf(record, { decisions: [{ approver: `approver-${index}`, decision: 'approve', at: record.createdAt }] }),
      );
      const results = await Promise.all(writers.map((next) => approvals.compareAndSet(record.id, 1, next)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = writers[results.indexOf(true)];
      expect(await approvals.get(record.id)).toEqual(winner);
    },
    timeoutMs,
  );

  it(
    'create(record) called concurrently with one id stores exactly one of them',
    async () => {
      const approvals = await store();
      const record = recordOf();
      const attempts = Array.from({ length: 10 }, (_, index) => ({ ...record, description: `attempt ${index}` }));
      const results = await Promise.allSettled(attempts.map((attempt) => approvals.create(attempt)));
      const created = results.flatMap((result, index) => (result.status === 'fulfilled' ? [attempts[index]] : []));
      expect(created).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'CONFLICT' });
      }
      expect(await approvals.get(record.id)).toEqual(created[0]);
    },
    timeoutMs,
  );
}
