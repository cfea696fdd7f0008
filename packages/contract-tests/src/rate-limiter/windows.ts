import type { RateLimitDecision } from '@warden/core';
import { expect, it, vi } from 'vitest';
import { LONG_WINDOW_MS, type RateLimiterSuite } from './harness.js';

/** A real window short enough to wait for, for backends whose time cannot be injected. */
const SHORT_WINDOW_MS = 200;

/** Waiting guards a hang only: a loaded machine may take far longer than the window. */
const WAIT_TIMEOUT_MS = 30_000;

/** Windows driven by the subject's clock: the exact end of a window, and windows per key. */
export function registerRateLimiterClockedWindows({ harness, timeoutMs }: RateLimiterSuite): void {
  const window = 60_000;

  it(
    'consume(key, limit) refuses until windowMs after the first event, then opens a new window at once',
    async () => {
      const { limiter, advance } = await harness();
      const limit = { limit: 2, windowMs: window };
      const first = await limiter.consume('peer', limit);
      await limiter.consume('peer', limit);
      await advance(window - 1);
      expect(await limiter.consume('peer', limit)).toMatchObject({
        allowed: false,
        remaining: 0,
        resetAt: first.resetAt,
      });
      await advance(1);
      const renewed = await limiter.consume('peer', limit);
      expect(renewed).toMatchObject({ allowed: true, remaining: 1, resetAt: first.resetAt + window });
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) starts each key’s window at that key’s first event',
    async () => {
      const { limiter, advance } = await harness();
      const limit = { limit: 1, windowMs: window };
      await limiter.consume('early', limit);
      await advance(window / 2);
      const late = await limiter.consume('late', limit);
      expect(late.allowed).toBe(true);
      await advance(window / 2);
      expect((await limiter.consume('early', limit)).allowed).toBe(true);
      expect(await limiter.consume('late', limit)).toMatchObject({ allowed: false, resetAt: late.resetAt });
      await advance(window / 2);
      expect((await limiter.consume('late', limit)).allowed).toBe(true);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) after a long idle time starts a fresh window with the full limit',
    async () => {
      const { limiter, advance } = await harness();
      const limit = { limit: 3, windowMs: window };
      for (let call = 0; call < 4; call += 1) await limiter.consume('idle', limit);
      await advance(window * 10 + 7);
      const decisions: RateLimitDecision[] = [];
      for (let call = 0; call < 4; call += 1) decisions.push(await limiter.consume('idle', limit));
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    },
    timeoutMs,
  );
}

/** Windows timed by the backend itself: a short real window ends and a new one opens. */
export function registerRateLimiterRealWindows({ harness, timeoutMs }: RateLimiterSuite): void {
  it(
    'consume(key, limit) allows again once a short window has ended',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 1, windowMs: SHORT_WINDOW_MS };
      expect((await limiter.consume('short', limit)).allowed).toBe(true);
      await vi.waitFor(async () => expect((await limiter.consume('short', limit)).allowed).toBe(true), {
        timeout: WAIT_TIMEOUT_MS,
        interval: 50,
      });
      // The limit still holds inside a long window opened afterwards.
      const long = { limit: 1, windowMs: LONG_WINDOW_MS };
      expect((await limiter.consume('long', long)).allowed).toBe(true);
      expect((await limiter.consume('long', long)).allowed).toBe(false);
    },
    timeoutMs,
  );
}
