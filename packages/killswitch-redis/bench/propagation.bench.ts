/**
 * Propagation latency: from the call (`activate()`, or a plain `PUBLISH`) until every one of
 * N subscriber processes has seen the change, for N = 10 and 50. Each process is a separate
 * Node process; times are wall-clock with sub-millisecond resolution, compared across them.
 */
import { Cluster, Redis } from 'ioredis';
import { createRedisKillSwitch } from '../src/redis-kill-switch.js';
import { type Child, startChildren, stopChildren, waitUntilAllSee } from '../test/child-processes.js';
import { wallClock } from '../test/child-protocol.js';
import { percentile, withPrivateRedis } from './bench-redis.js';

const SETUPS = [
  { processes: 10, rounds: 100 },
  { processes: 50, rounds: 50 },
] as const;

/** Where the subscribers connect: a URL, or a JSON connection (`{"clusterNodes":[…]}`) for a Cluster. */
type Target = { label: string; address: string };
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

function connectionOf(address: string): { url: string } | { clusterNodes: Array<{ host: string; port: number }> } {
  return address.startsWith('{') ? JSON.parse(address) : { url: address };
}

async function killSwitchLatencies(address: string, processes: number, rounds: number): Promise<number[]> {
  const name = `bench-${processes}-${Date.now()}`;
  const killSwitch = createRedisKillSwitch({ ...connectionOf(address), name });
  // A switch without a record is unknown (active): release it before the subscribers start.
  await killSwitch.deactivate({ actor: 'bench' });
  const children = await startChildren(processes, 'switch', address, name);
  try {
    return await measureRounds(children, rounds, (round) => killSwitch.activate(`round ${round}`));
  } finally {
    await killSwitch.close();
    await stopChildren(children);
  }
}

async function pubSubLatencies(address: string, processes: number, rounds: number): Promise<number[]> {
  const channel = `bench-pubsub-${processes}`;
  const children = await startChildren(processes, 'pubsub', address, channel);
  const connection = connectionOf(address);
  const publisher = 'url' in connection ? new Redis(connection.url) : new Cluster(connection.clusterNodes);
  try {
    return await measureRounds(children, rounds, async (round) => {
      await publisher.publish(channel, `round ${round}`);
    });
  } finally {
    publisher.disconnect();
    await stopChildren(children);
  }
}

function row(label: string, processes: number, latencies: number[], ratio?: number): string {
  const figures = [0.5, 0.99, 1].map((fraction) => percentile(latencies, fraction).toFixed(1).padStart(7));
  const ratioText = ratio === undefined ? '        ' : `${ratio.toFixed(2)}×`.padStart(8);
  return `| ${label.padEnd(34)} | ${String(processes).padStart(9)} | ${String(latencies.length).padStart(6)} | ${figures.join(' | ')} | ${ratioText} |`;
}

async function measure(targets: Target[]): Promise<void> {
  console.log(
    '| until every process saw it          | processes | rounds | p50 ms  | p99 ms  | max ms  | p99 vs PUBLISH |',
  );
  console.log(
    '|------------------------------------|-----------|--------|---------|---------|---------|----------------|',
  );
  for (const { label, address } of targets) {
    for (const { processes, rounds } of SETUPS) {
      const killSwitch = await killSwitchLatencies(address, processes, rounds);
      const pubSub = await pubSubLatencies(address, processes, rounds);
      const ratio = percentile(killSwitch, 0.99) / percentile(pubSub, 0.99);
      console.log(row(`${label}: killSwitch.activate()`, processes, killSwitch, ratio));
      console.log(row(`${label}: plain ioredis PUBLISH`, processes, pubSub));
    }
  }
  console.log(
    '\nTarget: p99 within 1.3× of plain PUBLISH at 10 and 50 processes. Compare ratios, never figures across runs.',
  );
}

await withPrivateRedis(async (url) => {
  const targets: Target[] = [{ label: 'single', address: url }];
  const clusterNodes = process.env.REDIS_CLUSTER_NODES;
  if (clusterNodes) {
    const nodes = clusterNodes.split(',').map((address) => {
      const [host = '127.0.0.1', port = '0'] = address.split(':');
      return { host, port: Number(port) };
    });
    targets.push({ label: 'cluster', address: JSON.stringify({ clusterNodes: nodes }) });
  }
  await measure(targets);
});
