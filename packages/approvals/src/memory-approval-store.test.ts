import type { ApprovalRecord } from '@warden/core';
import { describe, expect, it } from 'vitest';
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
});
