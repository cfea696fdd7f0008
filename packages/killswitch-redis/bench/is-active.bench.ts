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

await withPrivateRedis(async (url) => {
  const killSwitch = createRedisKillSwitch({ url, name: 'bench-is-active' });
  const redis = new Redis(url);
  try {
    await killSwitch.ready();
    await redis.set('bench:get-per-check', '0');
    const localCopy = await best(() => killSwitch.isActive(), 100_000);
    const getPerCheck = await best(() => redis.get('bench:get-per-check'), 100);
    console.log('| check                         | checks per second |');
    console.log('|-------------------------------|-------------------|');
    console.log(`| killSwitch.isActive()         | ${formatCount(localCopy).padStart(17)} |`);
    console.log(`| GET per check (plain ioredis) | ${formatCount(getPerCheck).padStart(17)} |`);
    console.log(`\nisActive() is ${formatCount(localCopy / getPerCheck)}x the GET baseline. Target: > 10,000,000/s.`);
    console.log('Provisional on a shared 2-core machine.');
  } finally {
    await killSwitch.close();
    redis.disconnect();
  }
});
