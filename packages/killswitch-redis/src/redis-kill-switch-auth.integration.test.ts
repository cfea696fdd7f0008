import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { BackendUnavailableError } from '@warden/core';
import { describeWithRedisTopologies, describeWithService, findFreePort } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const PASSWORD = 'master-pw-5f2c';
const SENTINEL_PASSWORD = 'sentinel-pw-9d1e';
const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });

/** Starts `redis-server` with `args` on a free port; resolves once it answers `PING` with `password`. */
async function startServer(
  args: string[],
  password: string,
  dir: string,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await findFreePort();
  const child = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
    stdio: 'ignore',
  });
  await eventually(async () => {
    const probe = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      expect(await probe.ping()).toBe('PONG');
    } finally {
      probe.disconnect();
    }
  });
  return { port, child };
}

describeWithService('redis', 'Redis kill switch on a password-protected Redis and Sentinel', () => {
  const opened: RedisKillSwitch[] = [];
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const open = (config: RedisKillSwitchConfig): RedisKillSwitch => {
    const killSwitch = createRedisKillSwitch({ keyPrefix: 'warden-test:ks:', ...TIMINGS, ...config });
    opened.push(killSwitch);
    return killSwitch;
  };
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-auth-'));
    dirs.push(dir);
    return dir;
  };
  const master = async (): Promise<number> => {
    const server = await startServer(
      ['--save', '', '--appendonly', 'no', '--requirepass', PASSWORD],
      PASSWORD,
      tempDir(),
    );
    children.push(server.child);
    return server.port;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const child of children.splice(0)) child.kill('SIGTERM');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a single Redis with requirepass: `password` opens it; a wrong one (attacker: a guessed password) fails closed and is never shown', async () => {
    const port = await master();
    const url = `redis://127.0.0.1:${port}`;
    const operator = open({ url, password: PASSWORD });
    const reader = open({ url, password: PASSWORD });
    await operator.deactivate({ actor: 'alice' });
    await operator.activate('incident', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident'));

    const errors: unknown[] = [];
    const guessed = 'guessed-pw-0000';
    const intruder = open({ url, password: guessed, onError: (error) => errors.push(error) });
    const refused = await intruder.ready().catch((error: unknown) => error);
    expect(BackendUnavailableError.isInstance(refused)).toBe(true);
    expect(await intruder.isActive()).toBe(true);
    const shown = inspect([refused, errors, intruder, JSON.stringify(intruder)], { depth: 8 });
    expect(shown).not.toContain(guessed);
    expect(inspect(operator, { depth: 8 }) + JSON.stringify(operator)).not.toContain(PASSWORD);
    // Past its own inspect hook too: the config and connections are `#` fields, out of inspect's reach.
    const everything = { depth: Number.POSITIVE_INFINITY, customInspect: false, showHidden: true };
    expect(inspect(operator, everything)).not.toContain(PASSWORD);
  });

  it('Sentinel with passwords on the master and on the sentinels: `password` and `sentinelPassword` open it', async () => {
    const masterPort = await master();
    const dir = tempDir();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `sentinel monitor warden 127.0.0.1 ${masterPort} 1`,
        `sentinel auth-pass warden ${PASSWORD}`,
        `requirepass ${SENTINEL_PASSWORD}`,
        '',
      ].join('\n'),
    );
    const sentinel = await startServer([conf, '--sentinel'], SENTINEL_PASSWORD, dir);
    children.push(sentinel.child);
    const target = { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], sentinelMasterName: 'warden' };
    const secrets = { password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD, minReplicaAcks: 0 };
    const operator = open({ ...target, ...secrets });
    const reader = open({ ...target, ...secrets });
    await operator.deactivate({ actor: 'alice' });
    await operator.activate('incident', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident'));
    await operator.deactivate({ actor: 'alice' });
    await eventually(async () => expect(await reader.isActive()).toBe(false));

    // Without the sentinels' password it cannot even find the master: it fails closed.
    const lost = open({ ...target, password: PASSWORD, minReplicaAcks: 0 });
    expect(BackendUnavailableError.isInstance(await lost.ready().catch((error: unknown) => error))).toBe(true);
    expect(await lost.isActive()).toBe(true);
  });
});

describeWithRedisTopologies('Redis kill switch refused by the server', (topology) => {
  it('a wrong user and password (attacker: anyone reading logs) fail closed and appear in no error, on every topology', async () => {
    // Any Redis with ACLs refuses a user it does not know (WRONGPASS), password or not: a Cluster
    // reports it as "Failed to refresh slots cache." with the node's reply, AUTH arguments and
    // all, nested as `lastNodeError`.
    const guessed = 'guessed-pw-3b7a';
    const errors: unknown[] = [];
    const intruder = createRedisKillSwitch({
      ...topology.connection,
      username: 'warden-test-nobody',
      password: guessed,
      name: 'auth-refused',
      keyPrefix: 'warden-test:ks-auth:',
      minReplicaAcks: 0,
      ...TIMINGS,
      onError: (error) => errors.push(error),
    });
    try {
      const refused = await intruder.ready().catch((error: unknown) => error);
      expect(BackendUnavailableError.isInstance(refused)).toBe(true);
      const activation = await intruder.activate('incident').catch((error: unknown) => error);
      expect(BackendUnavailableError.isInstance(activation)).toBe(true);
      await eventually(() => expect(errors.length).toBeGreaterThan(2));
      expect(await intruder.isActive()).toBe(true);
      const shown = inspect([refused, activation, errors], { depth: 20 });
      expect(shown).toContain('WRONGPASS');
      expect(shown + JSON.stringify([refused, activation, errors])).not.toContain(guessed);
    } finally {
      await intruder.close();
    }
  });
});
