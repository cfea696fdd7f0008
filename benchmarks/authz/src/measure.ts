/**
 * Measures engines on the workload: load time, checks per second, per-check latency and the
 * memory their grants hold, and counts answers that disagree with the workload's `expected`.
 *
 * The machine is shared, so its load changes from second to second. Engines are therefore
 * measured interleaved: every measured pass is cut into slices, and each slice is answered by
 * every engine in turn (in an order that rotates), so that all engines see the same load and the
 * ratios between them hold even when the absolute figures do not. Loads alternate the same way,
 * and first loads run each in a fresh process.
 */
import { execFileSync } from 'node:child_process';
import type { Engine, LoadedEngine } from './engine.js';
import { loadWorkload, type Workload } from './workload.js';

/** One row of the comparison table. */
export interface EngineFigures {
  name: string;
  checks: number;
  /** Checks per second of each measured pass, in order (pass `i` ran interleaved with every engine's pass `i`). */
  rates: readonly number[];
  checksPerSecondMedian: number;
  checksPerSecondBest: number;
  p50Microseconds: number;
  p99Microseconds: number;
  /** Median of the first loads, each in a fresh process. */
  firstLoadMilliseconds: number;
  /** Best of the warm loads. */
  warmLoadMilliseconds: number;
  /** Heap + external bytes the kept load added, before any check. */
  memoryMegabytes: number;
  /** {@link EngineFigures.memoryMegabytes} plus what answering the whole stream once added (caches). */
  memoryAfterRunMegabytes: number;
  mismatches: number;
}

const WARM_LOADS = 4;
const LATENCY_SAMPLE = 200_000;
/** Slices per measured pass: each engine answers one slice before the next engine answers its own. */
const SLICES = 40;
const ROUNDS = positiveInteger('WARDEN_BENCH_ROUNDS', 5);
const FIRST_LOADS = positiveInteger('WARDEN_BENCH_FIRST_LOADS', 3);
/** Set in the child process that times one first load. */
const FIRST_LOAD_ENGINE = 'WARDEN_BENCH_FIRST_LOAD_OF';

function positiveInteger(variable: string, fallback: number): number {
  const setting = process.env[variable];
  if (setting === undefined) return fallback;
  const value = Number(setting);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${variable} must be a positive integer, not "${setting}"`);
  return value;
}

/** An engine loaded and ready, with what its loading cost and its checks so far. */
interface EngineState {
  engine: Engine;
  loaded: LoadedEngine;
  checks: number;
  firstLoads: number[];
  warmLoadMilliseconds: number;
  memoryMegabytes: number;
  mismatches: number;
  /** Milliseconds spent in the current pass. */
  passMilliseconds: number;
  rates: number[];
  latencies: Float64Array;
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

function median(values: readonly number[]): number {
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

/**
 * In the child process started by {@link measureFirstLoads}: when this process was started to time
 * one first load, times it, prints it as JSON and returns true.
 */
export async function timeFirstLoadIfAsked(engines: readonly Engine[]): Promise<boolean> {
  const name = process.env[FIRST_LOAD_ENGINE];
  if (name === undefined) return false;
  const engine = engines.find((candidate) => candidate.name === name);
  if (engine === undefined) throw new Error(`No engine named "${name}"`);
  const workload = loadWorkload({ generate: false });
  collectGarbage();
  const started = performance.now();
  await engine.load(workload);
  console.log(JSON.stringify({ milliseconds: performance.now() - started }));
  return true;
}

/**
 * Times each engine's first load in a fresh process (nothing compiled, nothing cached), `FIRST_LOADS`
 * times, alternating engines so that each sees the same load of the machine.
 */
function measureFirstLoads(
  engines: readonly Engine[],
  onSkip: (engine: Engine, error: unknown) => void,
): Map<Engine, number[]> {
  const loads = new Map<Engine, number[]>(engines.map((engine) => [engine, []]));
  for (let repetition = 0; repetition < FIRST_LOADS; repetition++) {
    for (const engine of engines) {
      const times = loads.get(engine);
      if (times === undefined) continue;
      try {
        const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1] as string], {
          env: { ...process.env, [FIRST_LOAD_ENGINE]: engine.name },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        times.push((JSON.parse(output.trim().split('\n').at(-1) as string) as { milliseconds: number }).milliseconds);
      } catch (error) {
        loads.delete(engine);
        onSkip(engine, error);
      }
    }
  }
  return loads;
}

/**
 * Loads every engine `WARM_LOADS` times, alternating engines, and keeps each engine's last load.
 * Each load is dropped before the same engine loads again. The memory of the kept load is the heap
 * + external growth it causes, measured before any check has run.
 */
async function loadEngines(
  firstLoads: Map<Engine, number[]>,
  workload: Workload,
  onSkip: (engine: Engine, error: unknown) => void,
): Promise<EngineState[]> {
  let states: EngineState[] = [...firstLoads].map(([engine, times]) => ({
    engine,
    loaded: EMPTY_ENGINE,
    checks: engine.checks(workload),
    firstLoads: times,
    warmLoadMilliseconds: Number.POSITIVE_INFINITY,
    memoryMegabytes: 0,
    mismatches: 0,
    passMilliseconds: 0,
    rates: [],
    latencies: new Float64Array(0),
  }));
  for (let load = 0; load < WARM_LOADS; load++) {
    for (const state of states) {
      state.loaded = EMPTY_ENGINE;
      collectGarbage();
      const memoryBefore = usedMemory();
      try {
        const started = performance.now();
        state.loaded = await state.engine.load(workload);
        state.warmLoadMilliseconds = Math.min(state.warmLoadMilliseconds, performance.now() - started);
      } catch (error) {
        onSkip(state.engine, error);
        state.checks = -1;
        continue;
      }
      collectGarbage();
      state.memoryMegabytes = (usedMemory() - memoryBefore) / 1024 / 1024;
    }
    states = states.filter((state) => state.checks >= 0);
  }
  return states;
}

/** One measured pass over every engine's checks, slice by slice, engines in rotating order. */
function measurePass(states: readonly EngineState[], pass: number): void {
  for (const state of states) state.passMilliseconds = 0;
  for (let slice = 0; slice < SLICES; slice++) {
    for (let turn = 0; turn < states.length; turn++) {
      const state = states[(turn + slice + pass) % states.length] as EngineState;
      const from = Math.floor((state.checks * slice) / SLICES);
      const to = Math.floor((state.checks * (slice + 1)) / SLICES);
      const started = performance.now();
      state.mismatches += state.loaded.run(from, to);
      state.passMilliseconds += performance.now() - started;
    }
  }
  for (const state of states) state.rates.push(state.checks / (state.passMilliseconds / 1000));
}

/** Times single checks, slice by slice like {@link measurePass}. */
function measureLatencies(states: readonly EngineState[]): void {
  for (const state of states) state.latencies = new Float64Array(Math.min(state.checks, LATENCY_SAMPLE));
  for (let slice = 0; slice < SLICES; slice++) {
    for (let turn = 0; turn < states.length; turn++) {
      const state = states[(turn + slice) % states.length] as EngineState;
      const sample = state.latencies.length;
      const from = Math.floor((sample * slice) / SLICES);
      const to = Math.floor((sample * (slice + 1)) / SLICES);
      state.mismatches += state.loaded.time(from, to, state.latencies.subarray(from, to));
    }
  }
}

/** Latency percentiles in microseconds, the timer's own cost subtracted. */
function percentiles(milliseconds: Float64Array, overhead: number): { p50: number; p99: number } {
  const latencies = [...milliseconds].map((value) => Math.max(0, value - overhead)).sort((a, b) => a - b);
  return {
    p50: (latencies[Math.floor(latencies.length * 0.5)] as number) * 1000,
    p99: (latencies[Math.floor(latencies.length * 0.99)] as number) * 1000,
  };
}

/**
 * The warm-up: each engine in turn answers the whole stream once (not interleaved: nothing is
 * timed), and the heap + external growth that leaves behind (caches) is added to its load memory.
 * The stream is the same in every pass, so later passes add nothing.
 */
function warmUp(states: readonly EngineState[]): Map<EngineState, number> {
  const afterRun = new Map<EngineState, number>();
  for (const state of states) {
    collectGarbage();
    const before = usedMemory();
    state.mismatches += state.loaded.run(0, state.checks);
    collectGarbage();
    afterRun.set(state, state.memoryMegabytes + (usedMemory() - before) / 1024 / 1024);
  }
  return afterRun;
}

/**
 * Measures the engines interleaved: first loads (each in a fresh process), warm loads, a warm-up
 * pass, `ROUNDS` measured passes and a latency sample, every mismatch counted, never hidden. `onSkip`
 * hears about an engine that cannot run; the others go on.
 */
export async function measureEngines(
  engines: readonly Engine[],
  workload: Workload,
  onSkip: (engine: Engine, error: unknown) => void,
): Promise<EngineFigures[]> {
  const firstLoads = measureFirstLoads(engines, onSkip);
  const states = await loadEngines(firstLoads, workload, onSkip);
  const afterRun = warmUp(states);
  for (let pass = 0; pass < ROUNDS; pass++) measurePass(states, pass);
  measureLatencies(states);
  const overhead = timerOverhead();
  return states.map((state) => {
    const latency = percentiles(state.latencies, overhead);
    return {
      name: state.engine.name,
      checks: state.checks,
      rates: state.rates,
      checksPerSecondMedian: median(state.rates),
      checksPerSecondBest: Math.max(...state.rates),
      p50Microseconds: latency.p50,
      p99Microseconds: latency.p99,
      firstLoadMilliseconds: median(state.firstLoads),
      warmLoadMilliseconds: state.warmLoadMilliseconds,
      memoryMegabytes: state.memoryMegabytes,
      memoryAfterRunMegabytes: afterRun.get(state) ?? 0,
      mismatches: state.mismatches,
    };
  });
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
