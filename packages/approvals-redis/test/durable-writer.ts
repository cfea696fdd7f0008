/**
 * The first life of the process in the durability test: files requests and decisions through a
 * Redis store, prints their ids as one JSON line, and exits (so nothing survives in memory).
 *
 * Usage: durable-writer.ts <redis-url> <prefix>
 */
import { createApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore } from '../src/redis-approval-store.js';

const [url, prefix] = process.argv.slice(2);
if (!url || !prefix) throw new Error('usage: <url> <prefix>');

const store = createRedisApprovalStore({ url, keyPrefix: prefix });
const workflow = createApprovalWorkflow({ store });
const pending = await workflow.request({ requester: 'alice', description: 'stays pending', tier: 'team-lead' });
const halfway = await workflow.request({ requester: 'alice', description: 'one of two', tier: 'security-review' });
await workflow.approve(halfway, 'sam');
const approved = await workflow.request({
  requester: 'alice',
  description: 'approved',
  tier: 'peer-review',
  payload: { command: 'deploy', target: 'prod' },
});
await workflow.approve(approved, 'bob');
const rejected = await workflow.request({ requester: 'alice', description: 'rejected', tier: 'peer-review' });
await workflow.reject(rejected, 'carol', 'no ticket');
console.log(JSON.stringify({ pending, halfway, approved, rejected }));
await store.close();
