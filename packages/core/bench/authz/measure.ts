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

const WARM_LOADS = 2;
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
