/**
 * Reading the issuers' clock. A clock is injectable (`now`), so it can return anything; every
 * expiry comparison with `NaN` is false, which would make an expired credential look valid and
 * an expired secret look alive. So a reading that is not a finite time is refused.
 *
 * @module
 */
import { BackendUnavailableError, type Clock } from '@warden/core';

/**
 * The current time from `now`, in epoch milliseconds.
 *
 * @throws `BackendUnavailableError` (`BACKEND_UNAVAILABLE`, backend `clock`) when the clock
 * returns something other than a finite number: nothing may be issued or swept without a time.
 */
export function readClock(now: Clock): number {
  const time = now();
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw new BackendUnavailableError({
      backend: 'clock',
      message: 'The clock (`now`) returned no valid time; nothing is issued, swept or reported valid without one',
    });
  }
  return time;
}

/** True when `now` reads a valid time before `expiresAt`; false (fail closed) for an invalid clock. */
export function isBefore(now: Clock, expiresAt: number): boolean {
  const time = now();
  return typeof time === 'number' && Number.isFinite(time) && time < expiresAt;
}
