import { describeWithService, type RedisServerHandle, startRedisServer } from '@warden/testing';
import { afterEach, expect, it } from 'vitest';
import type { HostResponse } from './host-client.js';
import { startTestHost, type TestHost } from './test-host.js';

async function eventually(
  probe: () => Promise<HostResponse>,
  accept: (response: HostResponse) => boolean,
  what: string,
): Promise<HostResponse> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await probe();
    if (accept(response)) return response;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting until ${what}; last: ${response.status} ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A private redis-server, killed and restarted by this test: never the shared one at REDIS_URL.
describeWithService('redis', 'the host when its Redis dies mid-scenario', () => {
  let redis: RedisServerHandle | undefined;
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    await redis?.dispose();
    host = undefined;
    redis = undefined;
  });

  it('fails closed while Redis is down (kill switch, approvals) and recovers by itself when it is back', async () => {
    redis = await startRedisServer({ appendOnly: true });
    host = await startTestHost({
      env: { REDIS_URL: redis.url },
      sections: {
        sandbox: { backend: 'stub' },
        killSwitch: { name: 'fault-test', staleAfterMs: 400, refreshIntervalMs: 100 },
      },
    });
    const { client, actors } = host;
    const ownerCommand = { message: 'ping', tool: 'Bash', command: ['echo', 'ok'] };
    const send = (path: string, payload?: unknown) =>
      client.send(actors.operator, payload === undefined ? 'GET' : 'POST', path, payload);
    expect((await send('/sessions/code-assistant/messages', ownerCommand)).status).toBe(200);
    const queued = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
      message: 'count',
      tool: 'Bash',
      command: 'ls | wc -l',
    });
    expect(queued.status).toBe(202);

    await redis.kill();
    const stopped = await eventually(
      () => client.send({ kind: 'anonymous' }, 'GET', '/health'),
      (response) => response.body.status === 'stopped',
      'the host reports itself stopped',
    );
    expect(stopped.body.killSwitch).toEqual({ active: true, stale: true });
    const refused = await send('/sessions/code-assistant/messages', ownerCommand);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
    expect((await send('/approvals')).body.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const approveWhileDown = await send(`/approvals/${queued.body.requestId}/approve`, {});
    expect(approveWhileDown.status).toBe(503);
    expect(host.events).toContainEqual(
      expect.objectContaining({ type: 'access_denied', details: expect.objectContaining({ step: 'kill-switch' }) }),
    );

    await redis.restart();
    await eventually(
      () => client.send({ kind: 'anonymous' }, 'GET', '/health'),
      (response) => response.body.status === 'ok',
      'the host recovers',
    );
    const approved = await send(`/approvals/${queued.body.requestId}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'completed', approvedBy: ['alice'], run: { exitCode: 0 } });
    expect((await send('/sessions/code-assistant/messages', ownerCommand)).status).toBe(200);
  });
});
