/**
 * The opt-in background sweep both GitHub issuers run.
 *
 * @module
 */
import { WardenError } from '@warden/core';

/** When and whom to tell about the background sweep (the issuers' settings). */
export interface BackgroundSweepSettings {
  /** Run `sweep` every this many ms; no timer when undefined. */
  sweepIntervalMs?: number;
  /** Told about a sweep that failed with a Warden error, once per credential a sweep left alive. */
  onSweepError?: (error: WardenError) => void;
}

/**
 * Runs `sweep` every `sweepIntervalMs` on an `unref`'d timer (so it never keeps the process
 * alive), skipping a tick while the previous sweep still runs, and reporting a failure to
 * `onSweepError` instead of leaving a rejection unhandled. Returns the timer for `close()` to clear, or `undefined` when no interval is set.
 */
export function startBackgroundSweep(
  sweep: () => Promise<unknown>,
  settings: BackgroundSweepSettings,
): NodeJS.Timeout | undefined {
  if (settings.sweepIntervalMs === undefined) return undefined;
  let sweeping = false;
  const timer = setInterval(() => {
    // One sweep at a time: one slower than the interval (a slow GitHub, retries and backoff)
    // would be joined by another every tick, revoking the same credentials again, without bound.
    if (sweeping) return;
    sweeping = true;
    sweep()
      .catch((error: unknown) => {
        const errors = error instanceof AggregateError ? error.errors : [error];
        for (const each of errors) if (WardenError.isInstance(each)) tellSweepError(settings, each);
      })
      .finally(() => {
        sweeping = false;
      });
  }, settings.sweepIntervalMs);
  timer.unref();
  return timer;
}

/**
 * Tells `onSweepError`, ignoring a handler that throws: on the timer's promise chain its error
 * would be an unhandled rejection, which ends a Node process.
 */
function tellSweepError(settings: BackgroundSweepSettings, error: WardenError): void {
  try {
    settings.onSweepError?.(error);
  } catch {
    // The handler's own failure; the next sweep tries again.
  }
}
