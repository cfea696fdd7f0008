/**
 * Reading the issuers' clock. A clock is injectable (`now`), so it can return anything; every
 * expiry comparison with `NaN` is false, which would make an expired credential look valid and
 * an expired secret look alive. So a reading that is not a finite time is refused.
 *
 * @module
 */
import { BackendUnavailableError, type Clock } from '@warden/core';

/** The last time a `Date` can hold (ECMAScript's limit), in epoch milliseconds. */
const MAX_DATE_MS = 8.64e15;

/**
 * The current time from `now`, in epoch milliseconds.
 *
 * @throws `BackendUnavailableError` (`BACKEND_UNAVAILABLE`, backend `clock`) when the clock
 * returns something other than a finite number between 1970 and the last time a `Date` can
 * hold: nothing may be issued or swept without a time.
 */
export function readClock(now: Clock): number {
  const time = now();
  // Beyond the range of a Date no ISO time can be written, so nothing could say when it expires.
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0 || time > MAX_DATE_MS) throw clockError();
  return time;
}

/**
 * The error for a clock whose reading cannot be used: `BACKEND_UNAVAILABLE`, backend `clock`.
 * Also thrown by an issuer for a reading it could not write into a credential's name.
 */
export function clockError(): BackendUnavailableError {
  return new BackendUnavailableError({
    backend: 'clock',
    message: 'The clock (`now`) returned no valid time; nothing is issued, swept or reported valid without one',
  });
}

/** True when `now` reads a valid time before `expiresAt`; false (fail closed) for an invalid clock. */
export function isBefore(now: Clock, expiresAt: number): boolean {
  const time = now();
  return typeof time === 'number' && Number.isFinite(time) && time < expiresAt;
}
