/**
 * Propagation latency: from the call (`activate()`, or a plain ioredis `PUBLISH`) until every one
 * of N subscriber processes has seen the change, for N = 10 and 50, on a single Redis and (when
 * `REDIS_CLUSTER_NODES` is set) on a Cluster. Every process holds all the subscribers (a kill
 * switch without keys, one verifying the operator's signature, plain ioredis ones) and the rounds
 * alternate between them, so the rows of a setup share the same processes and the same moments
 * of a shared machine: compare their ratios, never figures across runs.
 *
 * Two more rows are plain ioredis floors of two designs, measured side by side: "XADD, each
 * process blocked in XREAD" (one script writes a hash and appends to a stream; each process waits
 * on the stream, as the switch does) and "PUBLISH, each process re-reads" (one script writes a
 * hash and publishes; each process reads the hash before it reports, as a design that takes a
 * message only as a hint must). What separates the switch from its floor is the switch's own
 * work; what separates the floors from `PUBLISH` is the design.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { createRedisKillSwitch, type RedisKillSwitch } from '../src/redis-kill-switch.js';
import { type Child, stopChildren, waitUntilAllSee } from '../test/child-processes.js';
import { wallClock } from '../test/child-protocol.js';
import { percentile, withPrivateRedis } from './bench-redis.js';
import { bundlePropagationChild, startBundledChildren } from './propagation-children.js';

/**
 * Rounds per setup: enough that p99 is not simply the slowest round (nearest rank: the 2nd or 3rd
 * slowest of 200). `WARDEN_BENCH_ROUNDS` sets more: p99 of 200 rounds rests on two samples, and
 * one stall of a shared machine moves it.
 */
const ROUNDS = Number(process.env.WARDEN_BENCH_ROUNDS ?? 200);
const SETUPS = [
  { processes: 10, rounds: ROUNDS },
  { processes: 50, rounds: ROUNDS },
] as const;
const WARMUP_ROUNDS = 3;
/** Lets the children go idle between rounds, so one round's tail does not delay the next. */
const PAUSE_MS = 25;

type Kind = 'publish' | 'reread' | 'stream' | 'plain' | 'signed';
const KINDS: readonly Kind[] = ['publish', 'reread', 'stream', 'plain', 'signed'];
const LABELS: Record<Kind, string> = {
  plain: 'killSwitch.activate()',
  signed: 'activate(), signed state',
  publish: 'plain ioredis PUBLISH',
  reread: 'PUBLISH, each process re-reads',
  stream: 'XADD, each process blocked in XREAD',
};
/** The plain ioredis floor of "a message is a hint": write a hash and publish, in one script (as activate() does). */
const WRITE_AND_PUBLISH =
  "redis.call('HSET', KEYS[1], 'reason', ARGV[1]); return redis.call('PUBLISH', ARGV[2], ARGV[1])";
/**
 * The plain ioredis floor of what the switch does: the script that writes the hash also appends
 * the change to a stream (a key, written only by Redis users, as the hash is), and each process
 * waits in `XREAD BLOCK` on it, so the change reaches it as stored state in one push.
 */
const WRITE_AND_APPEND =
  "redis.call('HSET', KEYS[1], 'reason', ARGV[1]); " +
  "return redis.call('XADD', KEYS[2], 'MAXLEN', '~', '64', '*', 'reason', ARGV[1])";
/** Where the processes connect: a URL, or a JSON connection (`{"clusterNodes":[…]}`) for a Cluster. */
type Target = { label: string; address: string };
type Connection = { url: string } | { clusterNodes: Array<{ host: string; port: number }> };

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

function connectionOf(address: string): Connection {
  return address.startsWith('{') ? JSON.parse(address) : { url: address };
}

async function measureSetup(
  target: Target,
  processes: number,
  rounds: number,
  childScript: string,
): Promise<{ latencies: Record<Kind, number[]>; cpu: Record<Kind, number[]> }> {
  const connection = connectionOf(target.address);
  const name = `bench-${processes}-${Date.now()}`;
  const keys = generateKeyPairSync('ed25519');
  // Generous timeouts: a Cluster client connects to every master first, on a loaded machine.
  const timeouts = { commandTimeoutMs: 10_000 };
  const switches: Record<'plain' | 'signed', RedisKillSwitch> = {
    plain: createRedisKillSwitch({ ...connection, ...timeouts, name: `${name}-plain` }),
    signed: createRedisKillSwitch({
      ...connection,
      ...timeouts,
      name: `${name}-signed`,
      verifyKey: keys.publicKey,
      signingKey: keys.privateKey,
    }),
  };
  const publisher = 'url' in connection ? new Redis(connection.url) : new Cluster(connection.clusterNodes);
  let children: Child[] = [];
  const change: Record<Kind, (label: string) => Promise<unknown>> = {
    publish: (label) => publisher.publish(`${name}-publish`, label),
    reread: (label) => publisher.eval(WRITE_AND_PUBLISH, 1, `{${name}}-reread`, label, `${name}-reread`),
    stream: (label) => publisher.eval(WRITE_AND_APPEND, 2, `{${name}}-stream`, `{${name}}-stream-changes`, label),
    plain: (label) => switches.plain.activate(label),
    signed: (label) => switches.signed.activate(label),
  };
  const latencies: Record<Kind, number[]> = { publish: [], reread: [], stream: [], plain: [], signed: [] };
  const cpu: Record<Kind, number[]> = { publish: [], reread: [], stream: [], plain: [], signed: [] };
  const cpuAtLastReport = new Map<Child, number>();
  try {
    // A switch without a record is unknown (active): release both before the subscribers start.
    await Promise.all(Object.values(switches).map((killSwitch) => killSwitch.deactivate({ actor: 'bench' })));
    const verifyKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    children = await startBundledChildren(childScript, processes, [target.address, name], {
      WARDEN_BENCH_VERIFY_KEY: verifyKey,
    });
    for (let round = -WARMUP_ROUNDS; round < rounds; round++) {
      // Rotate the order, so no kind always runs right after another.
      const offset = (round + WARMUP_ROUNDS) % KINDS.length;
      for (const kind of [...KINDS.slice(offset), ...KINDS.slice(0, offset)]) {
        const label = `${kind} ${round}`;
        const startedAt = wallClock();
        await change[kind](label);
        const seenAt = await waitUntilAllSee(children, (seen) => seen.reason === label);
        const cpuPerProcess = cpuSinceLastReport(children, label, cpuAtLastReport);
        if (round >= 0) {
          latencies[kind].push(seenAt - startedAt);
          cpu[kind].push(cpuPerProcess);
        }
        clearChanges(children);
        await pause();
      }
    }
    return { latencies, cpu };
  } finally {
    await Promise.all(Object.values(switches).map((killSwitch) => killSwitch.close()));
    publisher.disconnect();
    await stopChildren(children);
  }
}

/**
 * CPU time (µs) the processes spent since their previous report, averaged over them: the CPU
 * one change costs a subscribing process, which load inflates far less than wall time. (Between
 * two reports there is also the idle work, the switches' periodic re-reads: the rounds rotate, so
 * it falls on every kind alike.)
 */
function cpuSinceLastReport(children: Child[], label: string, cpuAtLastReport: Map<Child, number>): number {
  let total = 0;
  for (const child of children) {
    const now = child.changes.find((seen) => seen.reason === label)?.cpuMicros ?? 0;
    total += now - (cpuAtLastReport.get(child) ?? now);
    cpuAtLastReport.set(child, now);
  }
  return total / children.length;
}

function clearChanges(children: Child[]): void {
  for (const child of children) child.changes.length = 0;
}

type Measured = { latencies: number[]; cpu: number[] };

const ratioText = (value: number | undefined): string => (value === undefined ? '' : `${value.toFixed(2)}×`);

function row(label: string, processes: number, measured: Measured, baseline?: Measured): string {
  const figures = [0.5, 0.99, 1].map((fraction) => percentile(measured.latencies, fraction).toFixed(1).padStart(7));
  const cpu = percentile(measured.cpu, 0.5);
  const p99Ratio = baseline && percentile(measured.latencies, 0.99) / percentile(baseline.latencies, 0.99);
  const p50Ratio = baseline && percentile(measured.latencies, 0.5) / percentile(baseline.latencies, 0.5);
  const cpuRatio = baseline && cpu / percentile(baseline.cpu, 0.5);
  return (
    `| ${label.padEnd(40)} | ${String(processes).padStart(9)} | ${String(measured.latencies.length).padStart(6)} | ` +
    `${figures.join(' | ')} | ${ratioText(p99Ratio).padStart(14)} | ${ratioText(p50Ratio).padStart(14)} | ` +
    `${cpu.toFixed(0).padStart(13)} | ${ratioText(cpuRatio).padStart(15)} |`
  );
}

async function measure(targets: Target[]): Promise<void> {
  const childScript = await bundlePropagationChild();
  console.log(
    '| until every process saw it               | processes | rounds | p50 ms  | p99 ms  | max ms  | p99 vs PUBLISH | p50 vs PUBLISH | CPU µs/change | CPU vs PUBLISH  |',
  );
  console.log(
    '|------------------------------------------|-----------|--------|---------|---------|---------|----------------|----------------|---------------|-----------------|',
  );
  for (const target of targets) {
    // WARDEN_BENCH_PROCESSES=50 (or 10) runs one setup only.
    const onlyProcesses = process.env.WARDEN_BENCH_PROCESSES;
    for (const { processes, rounds } of SETUPS) {
      if (onlyProcesses && Number(onlyProcesses) !== processes) continue;
      let measured: { latencies: Record<Kind, number[]>; cpu: Record<Kind, number[]> };
      try {
        measured = await measureSetup(target, processes, rounds, childScript);
      } catch (error) {
        console.log(`| ${target.label}: did not run (${String(error)}) | ${processes} | | | | | | | | |`);
        continue;
      }
      const of = (kind: Kind): Measured => ({ latencies: measured.latencies[kind], cpu: measured.cpu[kind] });
      for (const kind of KINDS) {
        const baseline = kind === 'publish' ? undefined : of('publish');
        console.log(row(`${target.label}: ${LABELS[kind]}`, processes, of(kind), baseline));
      }
    }
  }
  console.log(
    '\nTarget: p99 within 1.3× of plain PUBLISH at 10 and 50 processes. Both switches follow a change stream ' +
      '(XREAD BLOCK): "killSwitch.activate()" takes an activation from it at once; "signed state" also verifies ' +
      'the operator\'s Ed25519 signature in every process. Floors, plain ioredis: "XADD, each process blocked in ' +
      'XREAD" is the design the switch uses; "PUBLISH, each process re-reads" is what taking a message only as a ' +
      'hint costs. "CPU µs/change": CPU time of one subscribing process per change (p50 over rounds, mean over ' +
      'processes, its IPC report included), which load inflates far less than the latencies.',
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
  // WARDEN_BENCH_TARGETS=cluster (or single) runs one of them only.
  const only = process.env.WARDEN_BENCH_TARGETS?.split(',');
  await measure(only ? targets.filter((target) => only.includes(target.label)) : targets);
});
