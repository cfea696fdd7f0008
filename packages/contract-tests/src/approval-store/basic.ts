import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { type ApprovalStoreSuite, recordOf } from './harness.js';

/** create and get: records kept exactly, ids never overwritten, copies in and out. */
export function registerApprovalStoreBasics({ store, timeoutMs }: ApprovalStoreSuite): void {
  it(
    'names its port version and provider',
    async () => {
      const approvals = await store();
      expect(approvals.specificationVersion).toBe('approval-store-v1');
      expect(approvals.providerId).toMatch(/\S/);
    },
    timeoutMs,
  );

  it(
    'get(id) of an id never created resolves undefined',
    async () => {
      const approvals = await store();
      expect(await approvals.get('warden-contract-never-created')).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'create(record) stores every field that get(id) returns exactly',
    async () => {
      const approvals = await store();
      const record = recordOf({
        requester: 'a:b c ünï',
        description: 'rotate "prod" keys; $(id)\nsecond line',
        tier: 'security-review',
        quorum: 2,
        expiresAt: null,
        payloadDigest: `sha256:${'ab'.repeat(32)}`,
        payload: { command: 'rotate', targets: ['prod', 'staging'], force: false, count: 2, note: null },
        decisions: [{ approver: 'bob', decision: 'approve', at: '2026-01-01T00:00:05.000Z', tier: 'team-lead' }],
        escalatedFrom: ['team-lead'],
      });
      await approvals.create(record);
      expect(await approvals.get(record.id)).toEqual(record);
    },
    timeoutMs,
  );

  it(
    'create(record) keeps decided records with their decision, reason and decider',
    async () => {
      const approvals = await store();
      const record = recordOf({
        status: 'rejected',
        decidedAt: '2026-01-01T00:01:00.000Z',
        decidedBy: 'carol',
        reason: 'no change ticket',
        decisions: [
          { approver: 'carol', decision: 'reject', at: '2026-01-01T00:01:00.000Z', reason: 'no change ticket' },
        ],
        version: 2,
      });
      await approvals.create(record);
      expect(await approvals.get(record.id)).toEqual(record);
    },
    timeoutMs,
  );

  it(
    'create(record) with an id that exists throws CONFLICT and keeps the first record',
    async () => {
      const approvals = await store();
      const record = recordOf();
      await approvals.create(record);
      await expectWardenError(() => approvals.create({ ...record, description: 'overwritten' }), 'CONFLICT');
      await expectWardenError(() => approvals.create({ ...record, status: 'approved', version: 7 }), 'CONFLICT');
      expect(await approvals.get(record.id)).toEqual(record);
    },
    timeoutMs,
  );

  it(
    'create(record) keeps records with similar ids apart',
    async () => {
      const approvals = await store();
      const base = recordOf();
      const similar = [
        base,
        recordOf({ id: `${base.id}:x` }),
        recordOf({ id: `${base.id}-1` }),
        recordOf({ id: `x${base.id}` }),
      ];
      for (const [index, record] of similar.entries())
        await approvals.create({ ...record, description: `number ${index}` });
      for (const [index, record] of similar.entries()) {
        expect((await approvals.get(record.id))?.description).toBe(`number ${index}`);
      }
    },
    timeoutMs,
  );

  it(
    'get(id) returns a copy: changing it, or the record given to create, changes nothing stored',
    async () => {
      const approvals = await store();
      const record = recordOf({ payload: { target: 'prod' } });
      const expected = structuredClone(record);
      await approvals.create(record);
      record.status = 'approved';
      record.decisions.push({ approver: 'mallory', decision: 'approve', at: record.createdAt });
      (record.payload as { target: string }).target = 'everything';

      const read = await approvals.get(record.id);
      expect(read).toEqual(expected);
      if (!read) return;
      read.status = 'approved';
      read.decisions.push({ approver: 'mallory', decision: 'approve', at: read.createdAt });
      (read.payload as { target: string }).target = 'everything';
      expect(await approvals.get(record.id)).toEqual(expected);
    },
    timeoutMs,
  );
}
