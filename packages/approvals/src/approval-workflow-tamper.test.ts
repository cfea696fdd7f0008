import type { ApprovalRecord, ApprovalStore } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createApprovalWorkflow } from './approval-workflow.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

/**
 * A store someone else can write to (a shared database, a custom backend with a bug): the
 * workflow re-validates what it reads, so a record changed behind its back never approves more
 * than was approved, and an approver is never shown one payload while approving another.
 */
function tamperableStore(): {
  store: ApprovalStore;
  tamper: (id: string, change: (record: ApprovalRecord) => void) => Promise<void>;
} {
  const inner = createMemoryApprovalStore();
  const changes = new Map<string, (record: ApprovalRecord) => void>();
  const store: ApprovalStore = {
    ...inner,
    async get(id) {
      const record = await inner.get(id);
      if (record) changes.get(id)?.(record);
      return record;
    },
  };
  return {
    store,
    tamper: async (id, change) => {
      changes.set(id, change);
    },
  };
}

describe('a record whose payload was changed in the store after it was filed', () => {
  it('approve(id, approver) throws ACCESS_DENIED: the approver would approve the digest of a payload they were not shown', async () => {
    const { store, tamper } = tamperableStore();
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'deploy', payload: { target: 'prod-db' } });
    await tamper(id, (record) => {
      record.payload = { target: 'staging' };
    });
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('payload changed'),
    });
    await expect(workflow.reject(id, 'bob', 'no')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('isApprovedFor(id, payload) is false when the approved record’s payload no longer matches its digest', async () => {
    const { store, tamper } = tamperableStore();
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'deploy', payload: { target: 'prod-db' } });
    expect(await workflow.approve(id, 'bob')).toBe('approved');
    expect(await workflow.isApprovedFor(id, { target: 'prod-db' })).toBe(true);
    await tamper(id, (record) => {
      record.payload = { target: 'staging' };
    });
    expect(await workflow.isApprovedFor(id, { target: 'prod-db' })).toBe(false);
    expect(await workflow.isApprovedFor(id, { target: 'staging' })).toBe(false);
    await tamper(id, (record) => {
      delete record.payload;
    });
    expect(await workflow.isApprovedFor(id, { target: 'prod-db' })).toBe(false);
  });

  it('isApprovedFor(id, payload) is false for a record marked approved without its quorum of distinct approvers', async () => {
    const { store, tamper } = tamperableStore();
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    await tamper(id, (record) => {
      record.status = 'approved';
    });
    expect(await workflow.isApprovedFor(id, undefined)).toBe(false);
  });

  it('isApprovedFor(id, payload) is false for a record whose only approval is the requester’s own', async () => {
    const { store, tamper } = tamperableStore();
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'deploy', tier: 'peer-review' });
    await tamper(id, (record) => {
      record.status = 'approved';
      record.decisions = [{ approver: 'Agent ', decision: 'approve', at: record.createdAt, tier: record.tier }];
    });
    expect(await workflow.isApprovedFor(id, undefined)).toBe(false);
  });
});
