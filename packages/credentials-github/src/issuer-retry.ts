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

/**
 * The error `sweep()` rejects with when expired credentials are still alive after every retry:
 * an `AggregateError` whose `errors` are the last `WardenError` of each credential still alive
 * (in the order of `alive`), with the ids removed in `removed`.
 */
export interface SweepIncompleteError extends AggregateError {
  /** The last failure of each credential still alive, in the order of `alive`. */
  errors: WardenError[];
  /** Ids of the expired credentials this sweep could not remove: they are still alive. */
  alive: string[];
  /** Ids this sweep did remove. */
  removed: string[];
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
  const error = new AggregateError(
    [...failures.values()],
    `Sweep left ${pending.length} expired credential(s) alive after ${retry.revokeAttempts} attempt(s): ${pending.join(', ')}`,
  ) as SweepIncompleteError;
  error.alive = pending;
  error.removed = removed;
  return Promise.reject(error);
}

function asWardenError(error: unknown): WardenError {
  if (WardenError.isInstance(error)) return error;
  // The unexpected error is not kept as cause: nothing vouches that it holds no secret.
  return new BackendUnavailableError({ backend: 'github', message: 'A revocation failed unexpectedly' });
}
