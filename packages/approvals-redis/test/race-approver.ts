/**
 * One of the processes in the cross-process approval race: connects, prints "ready", waits for
 * "go" on stdin, then approves the request as every approver it was given, all at once, and
 * prints one JSON line with each outcome and how many transitions to `approved` it observed.
 *
 * Usage: race-approver.ts <connection JSON> <prefix> <request-id> <approver,approver,...>
 */
import { createInterface } from 'node:readline';
import { createApprovalWorkflow } from '@warden/approvals';
import { createSecurityEventEmitter } from '@warden/core';
import { createRedisApprovalStore } from '../src/redis-approval-store.js';

const [connection, prefix, requestId, approverList] = process.argv.slice(2);
if (!connection || !prefix || !requestId || !approverList)
  throw new Error('usage: <connection> <prefix> <request-id> <approvers>');

const store = createRedisApprovalStore({ ...JSON.parse(connection), keyPrefix: prefix });
const events = createSecurityEventEmitter();
let approvedTransitions = 0;
events.on('security', (event) => {
  if (event.type === 'approval_approved' && event.details.status === 'approved') approvedTransitions += 1;
});
// Counts lost compare-and-sets, to show the race was real contention, not turns taken.
let lostCompareAndSets = 0;
const countingStore: typeof store = {
  ...store,
  compareAndSet: async (id, expectedVersion, next) => {
    const written = await store.compareAndSet(id, expectedVersion, next);
    if (!written) lostCompareAndSets += 1;
    return written;
  },
};
const workflow = createApprovalWorkflow({ store: countingStore, events });
await workflow.getStatus(requestId);
console.log('ready');

const input = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => input.once('line', () => resolve()));
input.close();

const approvers = approverList.split(',');
const settled = await Promise.allSettled(approvers.map((approver) => workflow.approve(requestId, approver)));
const outcomes = settled.map((result) =>
  result.status === 'fulfilled' ? result.value : String((result.reason as { code?: unknown }).code ?? result.reason),
);
console.log(JSON.stringify({ pid: process.pid, outcomes, approvedTransitions, lostCompareAndSets }));
await store.close();
