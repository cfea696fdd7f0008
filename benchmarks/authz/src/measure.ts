/**
 * Measures engines on the workload: load time, checks per second, per-check latency and the
 * memory their loaded grants hold, and counts answers that disagree with the workload's `expected`.
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
  memoryAfterRunMegabytes: number;
  mismatches: number;
}

const WARM_LOADS = 4;
const LATENCY_SAMPLE = 200_000;
const WARM_UP_CHECKS = 100_000;

/** An engine loaded and ready, with what its loading cost. */
interface LoadedState {
  engine: Engine;
  loaded: LoadedEngine;
  checks: number;
  firstLoadMilliseconds: number;
  warmLoadMilliseconds: number;
  memoryMegabytes: number;
  mismatches: number;
  rates: number[];
}

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

async function timedLoad(engine: Engine, workload: Workload): Promise<{ loaded: LoadedEngine; milliseconds: number }> {
  const started = performance.now();
  const loaded = await engine.load(workload);
  return { loaded, milliseconds: performance.now() - started };
}

/**
 * Loads an engine once cold and `WARM_LOADS` times more, keeping the last load. Its memory is the
 * heap + external growth the kept load causes, measured before any check has run.
 */
async function loadEngine(engine: Engine, workload: Workload): Promise<LoadedState> {
  collectGarbage();
  const memoryBefore = usedMemory();
  const first = await timedLoad(engine, workload);
  const firstLoadMilliseconds = first.milliseconds;
  const warmLoads: number[] = [];
  // Each load is dropped (holders cleared too) before the next is timed, so that only the last
  // one is kept and measured.
  first.loaded = EMPTY_ENGINE;
  let loaded = EMPTY_ENGINE;
  for (let load = 0; load < WARM_LOADS; load++) {
    loaded = EMPTY_ENGINE;
    collectGarbage();
    const warm = await timedLoad(engine, workload);
    warmLoads.push(warm.milliseconds);
    loaded = warm.loaded;
    warm.loaded = EMPTY_ENGINE;
  }
  collectGarbage();
  return {
    engine,
    loaded,
    checks: engine.checks(workload),
    firstLoadMilliseconds,
    warmLoadMilliseconds: Math.min(...warmLoads),
    memoryMegabytes: (usedMemory() - memoryBefore) / 1024 / 1024,
    mismatches: 0,
    rates: [],
  };
}

const EMPTY_ENGINE: LoadedEngine = { run: () => 0, time: () => 0 };

/** Times each of the first `sample` checks. */
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

/**
 * Measures each engine in turn: loads it, runs a warm-up pass and its measured passes, times
 * single checks, and drops it before the next engine loads, so that every engine runs alone in
 * the heap. Every mismatch is counted, never hidden. `onSkip` hears about an engine that cannot
 * run.
 */
export async function measureEngines(
  engines: readonly Engine[],
  workload: Workload,
  onSkip: (engine: Engine, error: unknown) => void,
): Promise<EngineFigures[]> {
  const figures: EngineFigures[] = [];
  for (const engine of engines) {
    try {
      figures.push(await measureEngine(engine, workload));
    } catch (error) {
      onSkip(engine, error);
    }
  }
  return figures;
}

async function measureEngine(engine: Engine, workload: Workload): Promise<EngineFigures> {
  const state = await loadEngine(engine, workload);
  const memoryBeforeChecks = usedMemory();
  state.mismatches += state.loaded.run(Math.min(state.checks, WARM_UP_CHECKS));
  for (let round = 0; round < engine.rounds; round++) {
    const started = performance.now();
    state.mismatches += state.loaded.run(state.checks);
    state.rates.push(state.checks / ((performance.now() - started) / 1000));
  }
  const latency = measureLatency(state.loaded, Math.min(state.checks, LATENCY_SAMPLE));
  collectGarbage(); // `state` is read below, so the engine is still reachable here
  // What the checks themselves left behind (for Warden: the cached, frozen results).
  const runMegabytes = state.memoryMegabytes + (usedMemory() - memoryBeforeChecks) / 1024 / 1024;
  return {
    name: engine.name,
    checks: state.checks,
    checksPerSecondMedian: median(state.rates),
    checksPerSecondBest: Math.max(...state.rates),
    p50Microseconds: latency.p50Microseconds,
    p99Microseconds: latency.p99Microseconds,
    firstLoadMilliseconds: state.firstLoadMilliseconds,
    warmLoadMilliseconds: state.warmLoadMilliseconds,
    memoryMegabytes: state.memoryMegabytes,
    memoryAfterRunMegabytes: runMegabytes,
    mismatches: state.mismatches + latency.mismatches,
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
