/**
 * The `RateLimiter` port, used by the gateway to count forwarded requests.
 *
 * @module
 */
import type { ProviderIdentity } from './specification.js';

/** A fixed-window limit: at most `limit` events per `windowMs`. */
export interface RateLimit {
  /** Events allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** The outcome of one `consume`. */
export interface RateLimitDecision {
  /** True when the event fits in the window and was counted. */
  allowed: boolean;
  /** Events left in the current window. */
  remaining: number;
  /** When the current window ends (epoch ms). */
  resetAt: number;
}

/**
 * Counts events per key. An implementation must:
 * - count atomically (no two concurrent calls may both take the last slot);
 * - not count a refused event;
 * - start a key's window at its first event and open a new one `windowMs` later;
 * - throw `InvalidInputError`, counting nothing, for an empty key or a `limit`/`windowMs` that is
 *   not a positive whole number.
 */
export interface RateLimiter extends ProviderIdentity<'rate-limiter-v1'> {
  /** Counts one event for `key` if it fits within `limit`. */
  consume(key: string, limit: RateLimit): Promise<RateLimitDecision>;
}
