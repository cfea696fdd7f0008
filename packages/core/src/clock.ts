/**
 * Injectable time, so that expiry and TTL logic is tested without sleeping.
 *
 * @module
 */

/** Returns the current time in epoch milliseconds. Every time-dependent factory accepts one as `now`. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/**
 * Milliseconds on the monotonic clock (`performance.now()`, not epoch time): for durations,
 * staleness, spacing and lifetimes held in one process, which a wall clock that steps must
 * neither stretch nor cut short. Never compare its readings with epoch times.
 */
export const monotonicClock: Clock = () => performance.now();

/** Formats epoch milliseconds as an ISO-8601 UTC timestamp. */
export function toIsoTime(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString();
}
