import type { ApprovalRecord } from '@warden/core';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryApprovalStore } from './memory-approval-store.js';

const record: ApprovalRecord = {
  id: 'req-1',
  requester: 'alice',
  description: 'deploy',
  tier: 'peer-review',
  status: 'pending',
  quorum: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: null,
  decisions: [],
  version: 1,
};

describe('createMemoryApprovalStore()', () => {
  it('compareAndSet(id, version, next) writes only when the version still matches', async () => {
    const store = createMemoryApprovalStore();
    await store.create(record);
    const approved = { ...record, status: 'approved' as const, version: 2 };
    expect(await store.compareAndSet('req-1', 1, approved)).toBe(true);
    expect(await store.compareAndSet('req-1', 1, { ...approved, status: 'rejected' })).toBe(false);
    expect((await store.get('req-1'))?.status).toBe('approved');
    expect(await store.listPending()).toEqual([]);
  });

  it('create(record) twice throws CONFLICT', async () => {
    const store = createMemoryApprovalStore();
    await store.create(record);
    await expect(store.create(record)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('an attacker replaying an approval given long ago gets nothing: past holdApprovedFor the approved record is gone', async () => {
    let time = 1_000_000;
    const store = createMemoryApprovalStore({ holdApprovedFor: '1h', now: () => time });
    await store.create(record);
    expect(await store.compareAndSet('req-1', 1, { ...record, status: 'approved', version: 2 })).toBe(true);
    time += 3_600_000 - 1;
    expect((await store.get('req-1'))?.status).toBe('approved');
    time += 1;
    expect(await store.get('req-1')).toBeUndefined();
    expect(await store.compareAndSet('req-1', 2, { ...record, status: 'approved', version: 3 })).toBe(false);
  });

  it('a wall clock stepped back an hour (a fault is an attacker) keeps no approved record past holdApprovedFor', async () => {
    const monotonic = vi.spyOn(performance, 'now').mockReturnValue(10_000);
    const wall = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    try {
      const store = createMemoryApprovalStore({ holdApprovedFor: '1h' });
      await store.create(record);
      expect(await store.compareAndSet('req-1', 1, { ...record, status: 'approved', version: 2 })).toBe(true);
      wall.mockReturnValue(1_700_000_000_000 - 3_600_000);
      monotonic.mockReturnValue(10_000 + 3_600_000);
      // Held on the wall clock, the approval given an hour ago could still be executed for another hour.
      expect(await store.get('req-1')).toBeUndefined();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a clock that reads NaN ends every hold (fails closed) and never ends a pending request', async () => {
    let time = 0;
    const store = createMemoryApprovalStore({ now: () => time });
    await store.create(record);
    await store.create({ ...record, id: 'req-2' });
    await store.compareAndSet('req-2', 1, { ...record, id: 'req-2', status: 'approved', version: 2 });
    time = Number.NaN;
    expect(await store.get('req-2')).toBeUndefined();
    expect((await store.get('req-1'))?.status).toBe('pending');
  });

  it('drops a rejected record retainDecidedFor after the rejection, read or not; null keeps it forever', async () => {
    let time = 0;
    const rejected = { ...record, status: 'rejected' as const, version: 2 };
    const store = createMemoryApprovalStore({ retainDecidedFor: '1d', now: () => time });
    const forever = createMemoryApprovalStore({ retainDecidedFor: null, now: () => time });
    for (const subject of [store, forever]) {
      await subject.create(record);
      await subject.compareAndSet('req-1', 1, rejected);
    }
    time += 86_400_000 - 1;
    // Reading it does not extend its retention either.
    expect((await store.get('req-1'))?.status).toBe('rejected');
    time += 1;
    expect(await store.get('req-1')).toBeUndefined();
    time += 400 * 86_400_000;
    expect((await forever.get('req-1'))?.status).toBe('rejected');
  });

  it('a flood of rejected records nobody reads is swept from memory once their retention is over', async () => {
    let time = 0;
    const store = createMemoryApprovalStore({ retainDecidedFor: '1h', now: () => time });
    await store.create(record);
    await store.compareAndSet('req-1', 1, { ...record, status: 'rejected', version: 2 });
    time += 3_600_000;
    // No read of req-1: the sweep that runs every 1024 creates finds its retention over.
    for (let index = 0; index < 1024; index += 1) await store.create({ ...record, id: `flood-${index}` });
    // Had req-1 survived the sweep, creating its id again would be a CONFLICT.
    await expect(store.create(record)).resolves.toBeUndefined();
  });

  it('refuses settings that are not durations, and unknown settings, with INVALID_INPUT naming them', () => {
    for (const [config, path] of [
      [{ holdApprovedFor: 0 }, 'holdApprovedFor'],
      [{ holdApprovedFor: '31d' }, 'holdApprovedFor'],
      [{ holdApprovedFor: null }, 'holdApprovedFor'],
      [{ retainDecidedFor: 'forever' }, 'retainDecidedFor'],
      [{ now: 5 }, 'now'],
      [{ holdApprovedfor: '1h' }, 'holdApprovedfor'],
    ] as const) {
      expect(() => createMemoryApprovalStore(config as never), path).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path })] }),
      );
    }
  });
});
