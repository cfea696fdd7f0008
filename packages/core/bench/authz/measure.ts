/**
 * Measures one engine on the workload: load time, checks per second, per-check latency and the
 * memory its loaded grants hold, and counts answers that disagree with the workload's `expected`.
 */
import type { Engine, LoadedEngine } from './engine.js';
import type { Workload } from './workload.js';

/** One row of the comparison table. */
export interface EngineFigures {
  name: string;
  checks: number;
  checksPerSecondMedian: number;
  checksPerSecondBest: number;
  p50Microseconds: number;
  p99Microseconds: number;
  firstLoadMilliseconds: number;
  warmLoadMilliseconds: number;
  memoryMegabytes: number;
  mismatches: number;
}

const WARM_LOADS = 4;
/** Holds the engine being measured, so that it stays reachable while its memory is measured. */
const retained: LoadedEngine[] = [];
const LATENCY_SAMPLE = 200_000;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('Run the benchmark with node --expose-gc (pnpm bench does).');
  gc();
  gc();
}

function usedMemory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The cost of one `performance.now()` pair, subtracted from every latency sample. */
function timerOverhead(): number {
  const samples = new Float64Array(100_000);
  for (let index = 0; index < samples.length; index++) {
    const started = performance.now();
    samples[index] = performance.now() - started;
  }
  return median([...samples]);
}

const EMPTY_ENGINE: LoadedEngine = { run: () => 0, time: () => 0 };

async function timedLoad(engine: Engine, workload: Workload): Promise<{ loaded: LoadedEngine; milliseconds: number }> {
  const started = performance.now();
  const loaded = await engine.load(workload);
  return { loaded, milliseconds: performance.now() - started };
}

/** Times each of the first `sample` checks; the samples are dropped before memory is measured. */
function measureLatency(
  loaded: LoadedEngine,
  sample: number,
): { p50Microseconds: number; p99Microseconds: number; mismatches: number } {
  const milliseconds = new Float64Array(sample);
  const mismatches = loaded.time(sample, milliseconds);
  const overhead = timerOverhead();
  const latencies = [...milliseconds].map((value) => Math.max(0, value - overhead)).sort((a, b) => a - b);
  return {
    p50Microseconds: (latencies[Math.floor(sample * 0.5)] as number) * 1000,
    p99Microseconds: (latencies[Math.floor(sample * 0.99)] as number) * 1000,
    mismatches,
  };
}

/** Loads and runs one engine; every mismatch is counted, never hidden. */
export async function measureEngine(engine: Engine, workload: Workload): Promise<EngineFigures> {
  collectGarbage();
  const memoryBefore = usedMemory();
  const first = await timedLoad(engine, workload);
  const firstLoadMilliseconds = first.milliseconds;
  const warmLoads: number[] = [];
  let loaded = first.loaded;
  first.loaded = EMPTY_ENGINE; // so that only the last load is measured for memory
  for (let load = 0; load < WARM_LOADS; load++) {
    collectGarbage();
    const warm = await timedLoad(engine, workload);
    warmLoads.push(warm.milliseconds);
    loaded = warm.loaded;
  }
  const checks = engine.checks(workload);
  let mismatches = loaded.run(Math.min(checks, 100_000));
  const rates: number[] = [];
  for (let round = 0; round < engine.rounds; round++) {
    const started = performance.now();
    mismatches += loaded.run(checks);
    rates.push(checks / ((performance.now() - started) / 1000));
  }
  const latency = measureLatency(loaded, Math.min(checks, LATENCY_SAMPLE));
  mismatches += latency.mismatches;
  retained.push(loaded);
  collectGarbage();
  const memoryMegabytes = (usedMemory() - memoryBefore) / 1024 / 1024;
  retained.length = 0;
  return {
    name: engine.name,
    checks,
    checksPerSecondMedian: median(rates),
    checksPerSecondBest: Math.max(...rates),
    p50Microseconds: latency.p50Microseconds,
    p99Microseconds: latency.p99Microseconds,
    firstLoadMilliseconds,
    warmLoadMilliseconds: Math.min(...warmLoads),
    memoryMegabytes,
    mismatches,
  };
}

/**
 * A calibration figure: lookups per second of a bare integer-keyed `Map` by (agent, scope,
 * resource), actions and constraints ignored. Its answers are not correct, so it is not a row of
 * the comparison; compared between runs, it shows how busy the shared machine was.
 */
export function calibrate(workload: Workload): number {
  const { tables, grants, checks } = workload;
  const agentIndex = new Map(tables.AGENTS.map((name, index) => [name, index]));
  const grantsByKey = new Map<number, number>();
  for (const grant of grants) {
    const agent = agentIndex.get(grant.grantedTo) ?? 0;
    const scope = tables.SCOPES.indexOf(grant.scope);
    const resources =
      grant.resource === '*' ? tables.RESOURCES.map((_, index) => index) : [tables.RESOURCES.indexOf(grant.resource)];
    for (const resource of resources) {
      const key = (agent * tables.SCOPES.length + scope) * tables.RESOURCES.length + resource;
      grantsByKey.set(key, (grantsByKey.get(key) ?? 0) + 1);
    }
  }
  const rates: number[] = [];
  let found = 0;
  for (let round = 0; round < 6; round++) {
    const started = performance.now();
    for (let index = 0; index < checks.n; index++) {
      const key =
        ((checks.agent[index] as number) * tables.SCOPES.length + (checks.scope[index] as number)) *
          tables.RESOURCES.length +
        (checks.resource[index] as number);
      if (grantsByKey.get(key) !== undefined) found++;
    }
    rates.push(checks.n / ((performance.now() - started) / 1000));
  }
  if (found < 0) throw new Error('unreachable: keeps the lookups from being optimized away');
  return median(rates);
}
