/**
 * Propagation latency: from the call (`activate()`, or a plain `PUBLISH`) until every one of
 * N subscriber processes has seen the change, for N = 10 and 50. Each process is a separate
 * Node process; times are wall-clock with sub-millisecond resolution, compared across them.
 */
import { Redis } from 'ioredis';
import { createRedisKillSwitch } from '../src/redis-kill-switch.js';
import { type Child, startChildren, stopChildren, waitUntilAllSee } from '../test/child-processes.js';
import { wallClock } from '../test/child-protocol.js';
import { percentile, withPrivateRedis } from './bench-redis.js';

const SETUPS = [
  { processes: 10, rounds: 200 },
  { processes: 50, rounds: 100 },
] as const;
const WARMUP_ROUNDS = 10;
/** Lets the children go idle between rounds, so one round's tail does not delay the next. */
const PAUSE_MS = 25;

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

async function measureRounds(
  children: Child[],
  rounds: number,
  change: (round: number) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = -WARMUP_ROUNDS; round < rounds; round++) {
    const label = `round ${round}`;
    const startedAt = wallClock();
    await change(round);
    const seenAt = await waitUntilAllSee(children, (seen) => seen.reason === label);
    if (round >= 0) latencies.push(seenAt - startedAt);
    for (const child of children) child.changes.length = 0;
    await pause();
  }
  return latencies;
}

async function killSwitchLatencies(url: string, processes: number, rounds: number): Promise<number[]> {
  const name = `bench-${processes}`;
  const children = await startChildren(processes, 'switch', url, name);
  const killSwitch = createRedisKillSwitch({ url, name });
  try {
    await killSwitch.ready();
    return await measureRounds(children, rounds, (round) => killSwitch.activate(`round ${round}`));
  } finally {
    await killSwitch.close();
    await stopChildren(children);
  }
}

async function pubSubLatencies(url: string, processes: number, rounds: number): Promise<number[]> {
  const channel = `bench-pubsub-${processes}`;
  const children = await startChildren(processes, 'pubsub', url, channel);
  const publisher = new Redis(url);
  try {
    return await measureRounds(children, rounds, async (round) => {
      await publisher.publish(channel, `round ${round}`);
    });
  } finally {
    publisher.disconnect();
    await stopChildren(children);
  }
}

function row(label: string, processes: number, latencies: number[]): string {
  const figures = [0.5, 0.99, 1].map((fraction) => percentile(latencies, fraction).toFixed(1).padStart(7));
  return `| ${label.padEnd(26)} | ${String(processes).padStart(9)} | ${String(latencies.length).padStart(6)} | ${figures.join(' | ')} |`;
}

await withPrivateRedis(async (url) => {
  console.log('| until every process saw it  | processes | rounds | p50 ms  | p99 ms  | max ms  |');
  console.log('|----------------------------|-----------|--------|---------|---------|---------|');
  for (const { processes, rounds } of SETUPS) {
    console.log(row('killSwitch.activate()', processes, await killSwitchLatencies(url, processes, rounds)));
    console.log(row('plain ioredis PUBLISH', processes, await pubSubLatencies(url, processes, rounds)));
  }
  console.log('\nTarget: 10 processes p99 < 15 ms. Provisional on a shared 2-core machine.');
});
