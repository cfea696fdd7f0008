/**
 * One of the processes in the cross-process race on the pending bounds: connects with a store of
 * its own, prints "ready", waits for "go" on stdin, then files one request per requester given,
 * all at once, and prints one JSON line with each outcome (`filed` or the error's code).
 *
 * Usage: race-filer.ts <connection JSON> <store bounds JSON> <prefix> <requester,requester,...>
 */
import { createInterface } from 'node:readline';
import { createApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore } from '../src/redis-approval-store.js';

const [connection, bounds, prefix, requesterList] = process.argv.slice(2);
if (!connection || !bounds || !prefix || !requesterList)
  throw new Error('usage: <connection> <bounds> <prefix> <requesters>');

const store = createRedisApprovalStore({ ...JSON.parse(connection), ...JSON.parse(bounds), keyPrefix: prefix });
const workflow = createApprovalWorkflow({ store });
await store.listPending({ requester: 'nobody' }); // connected before the start
console.log('ready');

const input = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => input.once('line', () => resolve()));
input.close();

const settled = await Promise.allSettled(
  requesterList
    .split(',')
    .map((requester) => workflow.request({ requester, description: 'flood', tier: 'peer-review' })),
);
const outcomes = settled.map((result) =>
  result.status === 'fulfilled' ? 'filed' : String((result.reason as { code?: unknown }).code ?? result.reason),
);
console.log(JSON.stringify({ pid: process.pid, outcomes }));
await store.close();
