import { expect, it } from 'vitest';
import type { WorkflowHarness } from './harness.js';

const APPROVERS = Array.from({ length: 50 }, (_, index) => `approver-${index}`);

function outcomes(results: PromiseSettledResult<string>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.status === 'fulfilled' ? result.value : String((result.reason as { code?: unknown }).code);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Concurrent decisions: exactly one transition, each approver counted once. */
export function registerApprovalConcurrency(harness: () => Promise<WorkflowHarness>): void {
  it('approve(id, approver) by 50 approvers at once approves a peer-review request exactly once', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const results = await Promise.allSettled(APPROVERS.map((approver) => workflow.approve(id, approver)));
    expect(outcomes(results)).toEqual({ approved: 1, APPROVAL_NOT_PENDING: 49 });
    expect((await workflow.get(id)).decisions).toHaveLength(1);
  });

  it('approve(id, approver) by 50 approvers at once records exactly two approvals for security-review', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    const results = await Promise.allSettled(APPROVERS.map((approver) => workflow.approve(id, approver)));
    expect(outcomes(results)).toEqual({ pending: 1, approved: 1, APPROVAL_NOT_PENDING: 48 });
    const record = await workflow.get(id);
    expect(record.status).toBe('approved');
    expect(new Set(record.decisions.map((decision) => decision.approver)).size).toBe(2);
    expect(record.decisions).toHaveLength(2);
  });

  it('approve and reject at once: exactly one decision wins', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const results = await Promise.allSettled([workflow.approve(id, 'bob'), workflow.reject(id, 'carol', 'no')]);
    const winners = results.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const record = await workflow.get(id);
    expect(record.decisions).toHaveLength(1);
    expect(record.status).toBe((winners[0] as PromiseFulfilledResult<string>).value);
  });
}
