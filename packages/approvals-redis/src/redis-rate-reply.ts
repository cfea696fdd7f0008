import { BackendUnavailableError } from '@warden/core';

/** What the consume script answers: whether the event fits, the count in the window, ms until it ends. */
export interface ConsumeReply {
  allowed: boolean;
  count: number;
  remainingMs: number;
}

/**
 * Reads the consume script's reply. Only `[0 | 1, count ≥ 0, ms ≥ 0]` (integers) is a decision:
 * the reply was cast before, so a proxy or a server that is not Redis answering `[1]` was an
 * allowed event with `remaining: NaN`, and a bare number threw an untyped `TypeError`. Anything
 * else fails closed, as `BackendUnavailableError`.
 */
export function readConsumeReply(reply: unknown): ConsumeReply {
  if (Array.isArray(reply) && reply.length === 3) {
    const [allowed, count, remainingMs] = reply as unknown[];
    if ((allowed === 0 || allowed === 1) && isCount(count) && isCount(remainingMs)) {
      return { allowed: allowed === 1, count, remainingMs };
    }
  }
  throw new BackendUnavailableError({
    backend: 'redis',
    message: 'Redis rate limiter: consume got a reply that is not a decision; refusing',
  });
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
