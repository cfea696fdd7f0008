import { randomUUID } from 'node:crypto';
import type { KillSwitchState } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

// The attacker: a fault that holds writes while reads still answer (`CLIENT PAUSE … WRITE`: a
// failover in progress, a master busy writing its AOF). The copy stays fresh and inactive, and the
// operator's activate() waits for its reply, up to commandTimeoutMs (a generous one here). What
// must hold: the instance that was told to stop answers "stop" from the call on, not from Redis's reply.

/** Lets the event loop turn a few times, so the write is on its way (and held by the pause). */
const turns = async (count: number): Promise<void> => {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

describeWithService('redis', 'Redis kill switch: activate() while Redis holds writes', () => {
  const opened: RedisKillSwitch[] = [];
  const admins: Redis[] = [];

  afterEach(async () => {
    for (const admin of admins.splice(0)) {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
    }
    await Promise.all(opened.splice(0).map((killSwitch) => killSwitch.close()));
  });

  it('the instance that activates answers active from the call on, while its write waits; listeners hear the change once', async () => {
    const url = process.env.REDIS_URL ?? '';
    const admin = new Redis(url);
    admins.push(admin);
    // commandTimeoutMs far longer than the test: only the pause decides when the write is answered.
    const killSwitch = createRedisKillSwitch({ url, name: `activating-${randomUUID()}`, commandTimeoutMs: 60_000 });
    opened.push(killSwitch);
    await killSwitch.deactivate({ actor: 'operator' });
    await killSwitch.ready();
    expect(await killSwitch.isActive()).toBe(false);
    const heard: KillSwitchState[] = [];
    killSwitch.onChange((state) => heard.push(state));

    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    let settled = false;
    const activating = killSwitch.activate('incident', { actor: 'alice' }).finally(() => {
      settled = true;
    });
    for (const turn of [0, 1, 50]) {
      await turns(turn);
      expect(settled, 'the write is held by the pause').toBe(false);
      expect(await killSwitch.isActive(), `after ${turn} turns`).toBe(true);
      expect(await killSwitch.getReason()).toBe('incident');
      expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'incident', actor: 'alice' });
    }
    expect(heard).toEqual([]);

    await admin.call('CLIENT', 'UNPAUSE');
    await activating;
    expect(await killSwitch.isActive()).toBe(true);
    const state = await killSwitch.getState();
    expect(state).toMatchObject({ active: true, reason: 'incident', actor: 'alice' });
    expect(state.localOnly).toBeUndefined();
    expect(heard.map(({ active, reason }) => [active, reason])).toEqual([[true, 'incident']]);
  }, 120_000);

  it('an activate() that fails while held keeps the stop, as local only', async () => {
    const url = process.env.REDIS_URL ?? '';
    const admin = new Redis(url);
    admins.push(admin);
    const timings = { staleAfterMs: 60_000, refreshIntervalMs: 10_000, commandTimeoutMs: 300 };
    const killSwitch = createRedisKillSwitch({ url, name: `activating-${randomUUID()}`, ...timings });
    opened.push(killSwitch);
    await killSwitch.deactivate({ actor: 'operator' });
    await killSwitch.ready();

    await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    const activating = killSwitch.activate('incident', { actor: 'alice' });
    expect(await killSwitch.isActive()).toBe(true);
    await expect(activating).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getState()).toMatchObject({ active: true, localOnly: true, reason: 'incident' });
  }, 120_000);
});
