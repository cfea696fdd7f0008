/**
 * Revocations that finish: each removal is retried with bounded, doubling backoff, a sweep tries
 * every item before retrying the failed ones, and what is still alive at the end is reported
 * (never reported as revoked).
 *
 * @module
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { BackendUnavailableError, WardenError } from '@warden/core';

/** How hard a revocation tries (the issuers' settings, defaults filled in). */
export interface RevocationRetry {
  /** Attempts per credential, the first included. */
  revokeAttempts: number;
  /** Wait before the second attempt; each further wait doubles. */
  revokeBackoffMs: number;
  /** Waits `ms`; tests inject one that does not. */
  sleep: (ms: number) => Promise<void>;
}

/** The defaults of {@link RevocationRetry}. */
export const DEFAULT_REVOCATION_RETRY: RevocationRetry = {
  revokeAttempts: 3,
  revokeBackoffMs: 250,
  sleep: (ms) => sleepFor(ms),
};

/** The stable code of {@link SweepIncompleteError}, as every Warden error has one to branch on. */
export type SweepIncompleteErrorCode = 'SWEEP_INCOMPLETE';

// Symbol.for, not instanceof: the check must survive two copies of this package in one app.
const SWEEP_INCOMPLETE_MARKER = Symbol.for('@warden/credentials-github/error/SweepIncompleteError');

/**
 * The error `sweep()` rejects with when expired credentials are still alive after every retry:
 * an `AggregateError` (so `errors` holds the last `WardenError` of each credential still alive,
 * in the order of `alive`) with the stable code `SWEEP_INCOMPLETE` and the ids removed in
 * `removed`. It is not a `WardenError` (it aggregates several), so branch on `code` or
 * `SweepIncompleteError.isInstance(error)`.
 */
export class SweepIncompleteError extends AggregateError {
  /** Stable code to branch on; never changes meaning. */
  readonly code: SweepIncompleteErrorCode = 'SWEEP_INCOMPLETE';
  /** The last failure of each credential still alive, in the order of `alive`. */
  declare errors: WardenError[];
  /** Ids of the expired credentials this sweep could not remove: they are still alive. */
  readonly alive: string[];
  /** Ids this sweep did remove. */
  readonly removed: string[];

  /** @param options.errors the last failure of each id in `alive`, in the same order. */
  constructor(options: { message: string; errors: WardenError[]; alive: string[]; removed: string[] }) {
    super(options.errors, options.message);
    this.name = 'SweepIncompleteError';
    this.alive = options.alive;
    this.removed = options.removed;
    // Non-enumerable, like WardenError's markers: logs and JSON do not show it.
    Object.defineProperty(this, SWEEP_INCOMPLETE_MARKER, { value: true, enumerable: false });
  }

  /** True when `value` is a `SweepIncompleteError` from any copy of this package. */
  static isInstance(value: unknown): value is SweepIncompleteError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[SWEEP_INCOMPLETE_MARKER] === true
    );
  }
}

/** Runs `attempt` up to `revokeAttempts` times, waiting with doubling backoff between failures. */
export async function withRetries<Result>(attempt: () => Promise<Result>, retry: RevocationRetry): Promise<Result> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (attemptNumber >= retry.revokeAttempts) throw error;
      await retry.sleep(retry.revokeBackoffMs * 2 ** (attemptNumber - 1));
    }
  }
}

/**
 * Removes every item: one round tries each, later rounds (after a doubling wait) retry only the
 * failures, up to `revokeAttempts` rounds. `remove` resolves true when it removed the item,
 * false when there was nothing to remove. Resolves with the ids removed; rejects with a
 * {@link SweepIncompleteError} when some could not be removed.
 */
export async function removeEvery(
  ids: readonly string[],
  remove: (id: string) => Promise<boolean>,
  retry: RevocationRetry,
): Promise<string[]> {
  const removed: string[] = [];
  let pending = [...ids];
  let failures = new Map<string, WardenError>();
  for (let round = 1; pending.length > 0 && round <= retry.revokeAttempts; round++) {
    if (round > 1) await retry.sleep(retry.revokeBackoffMs * 2 ** (round - 2));
    failures = new Map();
    for (const id of pending) {
      try {
        if (await remove(id)) removed.push(id);
      } catch (error) {
        failures.set(id, asWardenError(error));
      }
    }
    pending = [...failures.keys()];
  }
  if (pending.length === 0) return removed;
  const message = `Sweep left ${pending.length} expired credential(s) alive after ${retry.revokeAttempts} attempt(s): ${pending.join(', ')}`;
  return Promise.reject(new SweepIncompleteError({ message, errors: [...failures.values()], alive: pending, removed }));
}

function asWardenError(error: unknown): WardenError {
  if (WardenError.isInstance(error)) return error;
  // The unexpected error is not kept as cause: nothing vouches that it holds no secret.
  return new BackendUnavailableError({ backend: 'github', message: 'A revocation failed unexpectedly' });
}
