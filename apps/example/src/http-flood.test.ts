import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST_POLICY } from './default-policy.js';
import { type Caller, createPeerKeys, type HostResponse } from './host-client.js';
import { startTestHost, type TestHost } from './test-host.js';

const QUEUE = {
  maxPending: 150,
  maxPendingPerGateway: 150,
  maxPendingPerSource: 3,
  maxMessageBytes: 8_192,
  perSourcePerMinute: 6,
};
const KEYS = 200;
const REQUESTS_PER_KEY = 10;

/** Runs `tasks` with at most `width` in flight. */
async function inParallel<Value>(tasks: (() => Promise<Value>)[], width: number): Promise<Value[]> {
  const results: Value[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<Value>)();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

describe('the example host against a flood of signed requests from peers with self-made keys', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('holds at most the configured number of pending requests, lists them in bounded pages, and operators still decide', {
    timeout: 240_000,
  }, async () => {
    // The gateway's own rate limit is lifted, so that the queue's bounds are what holds.
    const policy = structuredClone(DEFAULT_HOST_POLICY);
    const gateway = policy.sessions?.['p2p-gateway']?.gateway;
    if (gateway) gateway.rateLimit = { perMinute: 1_000_000, perHour: 1_000_000 };
    host = await startTestHost({ sections: { security: policy, gatewayQueue: QUEUE } });
    const { client, actors, running } = host;
    const peers: Caller[] = Array.from({ length: KEYS }, (_, index) => ({
      kind: 'peer',
      name: `flooder-${index}`,
      keys: createPeerKeys(),
    }));
    const tasks = peers.flatMap((peer, key) =>
      Array.from({ length: REQUESTS_PER_KEY }, (_, attempt) => () => {
        // Every fifth request is larger than the queue takes; the rest are ~6 KB.
        const size = attempt % 5 === 4 ? 9_000 : 6_000;
        const body = { message: `${key}-${attempt}-${'x'.repeat(size)}`, tool: 'Bash', command: 'id' };
        return client.send(peer, 'POST', '/sessions/code-runner/messages', body);
      }),
    );
    const responses: HostResponse[] = await inParallel(tasks, 16);

    const queued = responses.filter((response) => response.status === 202);
    const refused = responses.filter((response) => response.status !== 202);
    expect(queued).toHaveLength(QUEUE.maxPending);
    expect(new Set(refused.map((response) => response.status))).toEqual(new Set([429]));
    const codes = new Set(refused.map((response) => (response.body.error as { code: string }).code));
    expect(codes).toEqual(new Set(['QUOTA_EXCEEDED', 'RATE_LIMITED']));

    // The memory bound: what the workflow stores is capped in number, per source and in size.
    const stored = await running.host.context.backends.workflow.listPending();
    expect(stored).toHaveLength(QUEUE.maxPending);
    const perSource = new Map<string, number>();
    for (const record of stored) {
      perSource.set(record.requester, (perSource.get(record.requester) ?? 0) + 1);
      const message = (record.payload as { message: string }).message;
      expect(Buffer.byteLength(message)).toBeLessThanOrEqual(QUEUE.maxMessageBytes);
    }
    expect(Math.max(...perSource.values())).toBeLessThanOrEqual(QUEUE.maxPendingPerSource);

    // Operators page through the queue: each page is bounded, and every request shows once.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const path = `/approvals?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await client.send(actors.operator, 'GET', path);
      expect(page.status).toBe(200);
      const pending = page.body.pending as { id: string }[];
      expect(pending.length).toBeLessThanOrEqual(100);
      expect(JSON.stringify(page.body).length).toBeLessThan(100 * (QUEUE.maxMessageBytes + 4_096));
      listed.push(...pending.map((request) => request.id));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor !== undefined);
    expect([...listed].sort()).toEqual(queued.map((response) => String(response.body.requestId)).sort());
    const tooBig = await client.send(actors.operator, 'GET', '/approvals?limit=5000');
    expect(tooBig.body.error).toMatchObject({ code: 'INVALID_INPUT' });

    // ...and still decide: one approved and run, one rejected, and a newcomer queues again.
    const [first, second] = listed as [string, string];
    const approved = await client.send(actors.operator, 'POST', `/approvals/${first}/approve`);
    expect(approved.body).toMatchObject({ status: 'completed', run: { exitCode: 0 } });
    const rejected = await client.send(actors.operator, 'POST', `/approvals/${second}/reject`, { reason: 'flood' });
    expect(rejected.body).toMatchObject({ status: 'rejected' });
    const newcomer: Caller = { kind: 'peer', name: 'newcomer', keys: createPeerKeys() };
    const late = await client.send(newcomer, 'POST', '/sessions/code-runner/messages', { message: 'hello' });
    expect(late.status).toBe(202);
    expect(await running.host.context.backends.workflow.listPending()).toHaveLength(QUEUE.maxPending - 1);
  });

  it('with the default policy, the gateway rate limit counted at enqueue refuses the flood early', async () => {
    host = await startTestHost();
    const { client, running } = host;
    const responses = await inParallel(
      Array.from({ length: 40 }, (_, index) => () => {
        const peer: Caller = { kind: 'peer', name: `flooder-${index}`, keys: createPeerKeys() };
        return client.send(peer, 'POST', '/sessions/code-runner/messages', { message: `hello ${index}` });
      }),
      8,
    );
    const perMinute = DEFAULT_HOST_POLICY.sessions?.['p2p-gateway']?.gateway?.rateLimit?.perMinute ?? 0;
    expect(responses.filter((response) => response.status === 202)).toHaveLength(perMinute);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(40 - perMinute);
    expect(await running.host.context.backends.workflow.listPending()).toHaveLength(perMinute);
  });
});
