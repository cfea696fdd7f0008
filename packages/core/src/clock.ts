/**
 * Injectable time, so that expiry and TTL logic is tested without sleeping.
 *
 * @module
 */

/** Returns the current time in epoch milliseconds. Every time-dependent factory accepts one as `now`. */
export type Clock = () => number;

/** The real clock. */
export const systemClock: Clock = () => Date.now();

/** Formats epoch milliseconds as an ISO-8601 UTC timestamp. */
export function toIsoTime(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString();
}
