/**
 * What each authorization engine in the comparison provides. Every engine runs its own loops (not
 * one shared loop calling a callback), so no engine pays for a call site that has seen the others.
 * Engines answer the stream in slices, so that the measurement can interleave them.
 */
import type { Workload } from './workload.js';

/** An engine with the workload's grants loaded. */
export interface LoadedEngine {
  /** Answers checks `[from, to)` of the stream; returns how many disagree with `expected`. */
  run(from: number, to: number): number;
  /**
   * Answers checks `[from, to)`, timing each one with `performance.now()` into
   * `milliseconds[index - from]`; returns how many disagree with `expected`.
   */
  time(from: number, to: number, milliseconds: Float64Array): number;
}

/** One engine of the comparison. */
export interface Engine {
  /** Row label. */
  name: string;
  /** How many checks of the stream it answers: all of them, or a fixed prefix for slow engines. */
  checks(workload: Workload): number;
  /** Loads every grant of the workload. */
  load(workload: Workload): LoadedEngine | Promise<LoadedEngine>;
}

/**
 * Checks answered by engines too slow for the whole stream: the first this many of it
 * (`WARDEN_BENCH_SLOW_CHECKS`, a positive integer; 20,000 by default).
 */
export const SLOW_ENGINE_CHECKS: number = slowEngineChecks(process.env.WARDEN_BENCH_SLOW_CHECKS);

function slowEngineChecks(setting: string | undefined): number {
  if (setting === undefined) return 20_000;
  const checks = Number(setting);
  if (!Number.isSafeInteger(checks) || checks <= 0) {
    throw new Error(`WARDEN_BENCH_SLOW_CHECKS must be a positive integer, not "${setting}"`);
  }
  return checks;
}
