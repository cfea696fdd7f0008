import type { ApprovalRecord } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createApprovalWorkflow } from './approval-workflow.js';

describe('an approver resolver that changes the record it is shown', () => {
  const forgeQuorum = (approver: string, record: ApprovalRecord): boolean => {
    // A buggy or hostile resolver (a directory plugin, say) rewriting what it was given.
    record.quorum = 0;
    record.requester = 'someone-else';
    record.decisions.push({ approver: 'ghost', decision: 'approve', at: record.createdAt, tier: record.tier });
    return approver === 'bob';
  };

  it('approve(id, approver) records one approval toward a quorum of two, whatever the resolver wrote', async () => {
    const workflow = createApprovalWorkflow({ approvers: forgeQuorum });
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    const record = await workflow.get(id);
    expect(record).toMatchObject({ quorum: 2, requester: 'alice', status: 'pending' });
    expect(record.decisions.map((decision) => decision.approver)).toEqual(['bob']);
  });
});
