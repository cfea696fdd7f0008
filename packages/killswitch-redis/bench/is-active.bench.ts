/**
 * `isActive()` throughput (answered from the local copy) against the baseline a naive kill
 * switch pays: one Redis `GET` per check. Sequential awaited calls, in one process.
 */
import { Redis } from 'ioredis';
import { createRedisKillSwitch } from '../src/redis-kill-switch.js';
import { formatCount, withPrivateRedis } from './bench-redis.js';

const REPETITIONS = 5;
const DURATION_MS = 1_000;

/** Calls `check` sequentially (awaiting each) for about `DURATION_MS`; returns calls per second. */
async function callsPerSecond(check: () => Promise<unknown>, batch: number): Promise<number> {
  let calls = 0;
  const startedAt = performance.now();
  let now = startedAt;
  while (now - startedAt < DURATION_MS) {
    for (let index = 0; index < batch; index++) await check();
    calls += batch;
    now = performance.now();
  }
  return calls / ((now - startedAt) / 1_000);
}

/** The best of several runs (the machine is shared: the best run is the least disturbed one). */
async function best(check: () => Promise<unknown>, batch: number): Promise<number> {
  const results: number[] = [];
  for (let run = 0; run < REPETITIONS; run++) {
    results.push(await callsPerSecond(check, batch));
    // Let timers and I/O run between runs (the switch's re-read among them).
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Math.max(...results);
}

const resolved = Promise.resolve(false);

await withPrivateRedis(async (url) => {
  const released = createRedisKillSwitch({ url, name: 'bench-is-active-released' });
  const stopped = createRedisKillSwitch({ url, name: 'bench-is-active-stopped' });
  const redis = new Redis(url);
  try {
    // The normal state of an agent host: released (inactive), the answer that must go stale in time.
    await released.deactivate({ actor: 'bench' });
    await stopped.activate('bench', { actor: 'bench' });
    await redis.set('bench:get-per-check', '0');
    const rows: Array<[string, number]> = [
      ['killSwitch.isActive(), inactive', await best(() => released.isActive(), 100_000)],
      ['killSwitch.isActive(), active', await best(() => stopped.isActive(), 100_000)],
      ['await of a resolved promise (floor)', await best(() => resolved, 100_000)],
      ['GET per check (plain ioredis)', await best(() => redis.get('bench:get-per-check'), 100)],
    ];
    console.log('| check                               | checks per second |');
    console.log('|-------------------------------------|-------------------|');
    for (const [label, perSecond] of rows)
      console.log(`| ${label.padEnd(35)} | ${formatCount(perSecond).padStart(17)} |`);
    const [inactive, , floor, getPerCheck] = rows.map(([, perSecond]) => perSecond) as [number, number, number, number];
    console.log(
      `\nisActive() (inactive) is ${formatCount(inactive / getPerCheck)}x the GET baseline and ` +
        `${((inactive / floor) * 100).toFixed(0)}% of the floor. Target: > 10,000,000/s.`,
    );
    console.log('Best of 5 one-second runs; provisional on a shared 2-core machine.');
  } finally {
    await released.close();
    await stopped.close();
    redis.disconnect();
  }
});
