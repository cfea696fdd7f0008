import { BackendUnavailableError, type RateLimiter } from '@warden/core';

/** What a {@link RateLimiter} answers for one event. */
export type RateDecision = Awaited<ReturnType<RateLimiter['consume']>>;

/**
 * Checks that a rate limiter answered a decision whose `allowed` is a boolean. A broken or
 * foreign limiter answering `undefined`, `{}` or `{ allowed: '0' }` (a string from a script
 * reply, which is truthy) does not know the event fits: it fails closed like a limiter that is
 * down, instead of letting the event through or crashing the gateway with a `TypeError`.
 *
 * @throws `BackendUnavailableError` (backend `rate-limiter`) for anything else.
 */
export function assertRateDecision(decision: unknown): asserts decision is RateDecision {
  const allowed =
    typeof decision === 'object' && decision !== null ? (decision as { allowed?: unknown }).allowed : undefined;
  if (typeof allowed !== 'boolean') {
    throw new BackendUnavailableError({
      backend: 'rate-limiter',
      message: 'The rate limiter answered something other than a decision',
    });
  }
}
