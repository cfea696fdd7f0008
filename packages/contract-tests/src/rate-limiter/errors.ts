import type { RateLimiter } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { LONG_WINDOW_MS, type RateLimiterSuite } from './harness.js';

/** Limits every limiter refuses with INVALID_INPUT: no limit at all would be a limit that allows everything. */
const INVALID_LIMITS: ReadonlyArray<readonly [string, unknown]> = [
  ['limit: 0', { limit: 0, windowMs: 1_000 }],
  ['limit: -1', { limit: -1, windowMs: 1_000 }],
  ['limit: 1.5', { limit: 1.5, windowMs: 1_000 }],
  ['limit: NaN', { limit: Number.NaN, windowMs: 1_000 }],
  ['limit: Infinity', { limit: Number.POSITIVE_INFINITY, windowMs: 1_000 }],
  ["limit: '5'", { limit: '5', windowMs: 1_000 }],
  ['no limit', { windowMs: 1_000 }],
  ['windowMs: 0', { limit: 5, windowMs: 0 }],
  ['windowMs: -1000', { limit: 5, windowMs: -1_000 }],
  ['windowMs: 0.5', { limit: 5, windowMs: 0.5 }],
  ['windowMs: NaN', { limit: 5, windowMs: Number.NaN }],
  ['windowMs: Infinity', { limit: 5, windowMs: Number.POSITIVE_INFINITY }],
  ['no windowMs', { limit: 5 }],
  ['null', null],
  ['a number', 5],
];

/** Keys every limiter refuses with INVALID_INPUT. */
const INVALID_KEYS: ReadonlyArray<readonly [string, unknown]> = [
  ["''", ''],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
];

/** Reaches `consume` with inputs its types forbid, the way untrusted callers do. */
function untypedConsume(limiter: RateLimiter): (key: unknown, limit: unknown) => Promise<unknown> {
  return (key, limit) =>
    (limiter.consume as (key: unknown, limit: unknown) => Promise<unknown>).call(limiter, key, limit);
}

/** Invalid limits and keys are refused and count nothing. */
export function registerRateLimiterErrors({ harness, timeoutMs }: RateLimiterSuite): void {
  it(
    'consume(key, limit) with a missing, zero, negative, fractional or non-finite limit or window throws INVALID_INPUT and counts nothing',
    async () => {
      const { limiter } = await harness();
      for (const [label, limit] of INVALID_LIMITS) {
        await expectWardenError(() => untypedConsume(limiter)('checked', limit), 'INVALID_INPUT', label);
      }
      expect(await limiter.consume('checked', { limit: 2, windowMs: LONG_WINDOW_MS })).toMatchObject({
        allowed: true,
        remaining: 1,
      });
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) with an empty or non-string key throws INVALID_INPUT',
    async () => {
      const { limiter } = await harness();
      for (const [label, key] of INVALID_KEYS) {
        await expectWardenError(
          () => untypedConsume(limiter)(key, { limit: 1, windowMs: LONG_WINDOW_MS }),
          'INVALID_INPUT',
          label,
        );
      }
    },
    timeoutMs,
  );
}
