import { randomUUID } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRedisKillSwitchConfig } from './redis-kill-switch-config.js';
import { compareStreamIds, KillSwitchConnections } from './redis-kill-switch-connections.js';

const FLOOD_ENTRIES = 20_000;

describeWithService('redis', 'KillSwitchConnections: following the change stream', (redisUrl) => {
  const connections: KillSwitchConnections[] = [];
  const clients: Redis[] = [];

  afterEach(() => {
    for (const connection of connections.splice(0)) connection.close();
    for (const client of clients.splice(0)) client.disconnect();
  });

  /**
   * Starts following a new switch's change stream: what it passes on (`entries`), how often it
   * (re)started from the end (`followings()`), and a plain client to append with (`writer`).
   */
  const follow = async (prefix: string) => {
    const settings = parseRedisKillSwitchConfig({
      url: redisUrl,
      name: `${prefix}-${randomUUID()}`,
      keyPrefix: 'warden-test:ks:',
    });
    const entries: string[] = [];
    let followings = 0;
    const follower = new KillSwitchConnections(settings, {
      onEntry: (payload) => entries.push(payload),
      onFollowing: () => {
        followings += 1;
      },
      onError: () => {},
    });
    connections.push(follower);
    follower.start();
    await follower.waitForFollowing(10_000);
    const writer = new Redis(redisUrl);
    clients.push(writer);
    return { settings, entries, followings: () => followings, writer };
  };

  it("a flood of entries appended by hand (attacker: anyone who can write the switch's keys) reaches an instance as bounded replies and a re-read, never as the whole flood", async () => {
    const { settings, entries, followings, writer } = await follow('flood');
    expect(followings()).toBe(1);
    const pipeline = writer.pipeline();
    for (let index = 0; index < FLOOD_ENTRIES; index += 1) {
      pipeline.xadd(settings.changesKey, '*', 'record', `forged ${index}`);
    }
    await pipeline.exec();
    // Once the follower has worked through the flood (nothing changes for half a second), the
    // next entry is passed on as usual: it skipped to the end and follows on.
    let seen = '';
    await vi.waitFor(
      async () => {
        const now = `${entries.length}/${followings()}`;
        const settled = now === seen;
        seen = now;
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(settled && followings() > 1).toBe(true);
      },
      { timeout: 60_000, interval: 0 },
    );
    await writer.xadd(settings.changesKey, '*', 'record', 'the next change');
    await vi.waitFor(() => expect(entries.at(-1)).toBe('the next change'), { timeout: 30_000, interval: 20 });
    console.log(`flood of ${FLOOD_ENTRIES} entries: ${entries.length} passed on, ${followings() - 1} skips to the end`);
    expect(entries.length).toBeLessThan(1_000);
    expect(followings()).toBeGreaterThan(1);
  });

  it("a stream deleted after an entry numbered far ahead (attacker: anyone who can write the switch's keys) is followed again once a read times out", async () => {
    const { settings, entries, followings, writer } = await follow('ahead');
    await writer.xadd(settings.changesKey, '99999999999999-0', 'record', 'far ahead');
    await vi.waitFor(() => expect(entries).toEqual(['far ahead']), { timeout: 10_000, interval: 20 });
    await writer.del(settings.changesKey);
    // Numbered by the server's clock, below the entry the follower saw last.
    await writer.xadd(settings.changesKey, '*', 'record', 'a real change');
    // The follower re-reads (the change reaches the instance) once its blocked read times out,
    // and follows the new stream from then on.
    await vi.waitFor(() => expect(followings()).toBe(2), { timeout: 30_000, interval: 50 });
    await writer.xadd(settings.changesKey, '*', 'record', 'the next change');
    await vi.waitFor(() => expect(entries.at(-1)).toBe('the next change'), { timeout: 10_000, interval: 20 });
  });
});

describe('compareStreamIds', () => {
  it('orders stream IDs by time, then sequence, as numbers of any length', () => {
    expect(compareStreamIds('99999999999999-0', '1733500000000-5')).toBeGreaterThan(0);
    expect(compareStreamIds('1733500000000-5', '1733500000000-10')).toBeLessThan(0);
    expect(compareStreamIds('0-0', '0-0')).toBe(0);
    expect(compareStreamIds('18446744073709551615-0', '18446744073709551614-9')).toBeGreaterThan(0);
  });
});
