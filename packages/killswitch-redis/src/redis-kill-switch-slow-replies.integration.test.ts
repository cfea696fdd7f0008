import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { BackendUnavailableError } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../test/answer-sampler.js';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

const STALE_AFTER_MS = 400;
// Longer than STALE_AFTER_MS: every reply is older than the staleness bound when it arrives.
const REPLY_DELAY_MS = 700;
// Any free port unless told (a sandbox may allow only some).
const PROXY_PORT = Number(process.env.WARDEN_TEST_PROXY_PORT ?? 0);

const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });

/**
 * A TCP proxy in front of Redis that, once `slow()` is called, holds every byte Redis sends back
 * for REPLY_DELAY_MS: commands still run at once, their answers (and change-stream entries) arrive late.
 */
async function startSlowProxy(target: URL): Promise<{ url: string; slow: () => void; close: () => Promise<void> }> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (delayMs === 0) client.write(chunk);
      else setTimeout(() => client.write(chunk), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(PROXY_PORT, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : PROXY_PORT}`,
    slow: () => {
      delayMs = REPLY_DELAY_MS;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describeWithService('redis', 'Redis kill switch over a slow connection', () => {
  const opened: RedisKillSwitch[] = [];
  let proxy: Awaited<ReturnType<typeof startSlowProxy>> | undefined;

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    await proxy?.close();
    proxy = undefined;
  });

  it('replies delayed past staleAfterMs (attacker: a slow link or a delaying middlebox) make the copy stale, never keep it fresh', async () => {
    proxy = await startSlowProxy(new URL(process.env.REDIS_URL ?? ''));
    const name = `slow-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const timings = { staleAfterMs: STALE_AFTER_MS, refreshIntervalMs: 100, commandTimeoutMs: 2_000 };
    const operator = createRedisKillSwitch({ url: process.env.REDIS_URL ?? '', name, keyPrefix, ...timings });
    const reader = createRedisKillSwitch({ url: proxy.url, name, keyPrefix, ...timings });
    opened.push(operator, reader);
    await operator.deactivate({ actor: 'alice' });
    await eventually(async () => expect(await reader.isActive()).toBe(false));

    proxy.slow();
    // Every state it reads now was read by Redis more than staleAfterMs before it arrives.
    await eventually(async () => expect(await reader.getState()).toMatchObject({ active: true, stale: true }));
    const sampler = sampleAnswers([reader]);
    await operator.activate('incident', { actor: 'alice' });
    await eventually(async () => expect((await reader.getState()).version).toBe((await operator.getState()).version));
    await operator.deactivate({ actor: 'alice' });
    await eventually(async () => expect((await reader.getState()).version).toBe((await operator.getState()).version));
    const [tally] = await sampler.stop();
    expect(tally?.inactive).toBe(0);
  });

  it('ready() throws when its reply arrives after staleAfterMs (attacker: a slow link or a delaying middlebox), as isActive() then denies', async () => {
    proxy = await startSlowProxy(new URL(process.env.REDIS_URL ?? ''));
    const name = `slow-ready-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const timings = { staleAfterMs: STALE_AFTER_MS, refreshIntervalMs: 100, commandTimeoutMs: 2_000 };
    const operator = createRedisKillSwitch({ url: process.env.REDIS_URL ?? '', name, keyPrefix, ...timings });
    const reader = createRedisKillSwitch({ url: proxy.url, name, keyPrefix, ...timings });
    opened.push(operator, reader);
    await operator.deactivate({ actor: 'alice' });
    await reader.ready();
    expect(await reader.isActive()).toBe(false);

    proxy.slow();
    await eventually(async () => expect(await reader.getState()).toMatchObject({ active: true, stale: true }));
    const error = await reader.ready().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(await reader.isActive()).toBe(true);
  });
});
