import { expect, it } from 'vitest';
import { LONG_WINDOW_MS, type RateLimiterSuite } from './harness.js';

/** consume: counts up to the limit, refuses beyond it without counting, keeps keys apart. */
export function registerRateLimiterBasics({ harness, timeoutMs }: RateLimiterSuite): void {
  it(
    'names its port version and provider',
    async () => {
      const { limiter } = await harness();
      expect(limiter.specificationVersion).toBe('rate-limiter-v1');
      expect(limiter.providerId).toMatch(/\S/);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) allows exactly limit events per window, counting remaining down to 0',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 3, windowMs: LONG_WINDOW_MS };
      const decisions = [];
      for (let call = 0; call < 5; call += 1) decisions.push(await limiter.consume('peer', limit));
      expect(decisions.map((decision) => [decision.allowed, decision.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) with limit 1 allows one event and refuses the next',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 1, windowMs: LONG_WINDOW_MS };
      expect(await limiter.consume('single', limit)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.consume('single', limit)).toMatchObject({ allowed: false, remaining: 0 });
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) does not count a refused event',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 2, windowMs: LONG_WINDOW_MS };
      await limiter.consume('peer', limit);
      await limiter.consume('peer', limit);
      for (let refused = 0; refused < 5; refused += 1)
        expect((await limiter.consume('peer', limit)).allowed).toBe(false);
      // Two events counted, not seven: a higher limit in the same window leaves room for exactly one more.
      const raised = { limit: 3, windowMs: LONG_WINDOW_MS };
      expect(await limiter.consume('peer', raised)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.consume('peer', raised)).allowed).toBe(false);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) counts each key on its own, similar keys included',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 1, windowMs: LONG_WINDOW_MS };
      const keys = [
        'peer',
        'peer:1',
        'peer1',
        'Peer',
        'peer ',
        '*',
        'gateway:p2p:peer',
        'ünï',
        '{peer}',
        'pe{e}r',
        '{}',
      ];
      for (const key of keys) expect((await limiter.consume(key, limit)).allowed, key).toBe(true);
      for (const key of keys) expect((await limiter.consume(key, limit)).allowed, key).toBe(false);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) counts keys that differ only by a lone surrogate half on their own (a peer’s key cut mid-character)',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 1, windowMs: LONG_WINDOW_MS };
      // A backend that encodes keys as UTF-8 turns every lone half into U+FFFD: a peer whose key
      // holds one would then use up the count of another peer's key.
      const keys = ['peer\ud800', 'peer\udc00', 'peer\ufffd', 'peer\ud83d', 'peer\ud83d\ude00', 'peer\ude00\ud83d'];
      for (const key of keys) expect((await limiter.consume(key, limit)).allowed, JSON.stringify(key)).toBe(true);
      for (const key of keys) expect((await limiter.consume(key, limit)).allowed, JSON.stringify(key)).toBe(false);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) keeps counting a key while 10,000 other keys are counted',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 1, windowMs: LONG_WINDOW_MS };
      expect((await limiter.consume('first', limit)).allowed).toBe(true);
      for (let batch = 0; batch < 10; batch += 1) {
        const keys = Array.from({ length: 1_000 }, (_, index) => `other-${batch}-${index}`);
        await Promise.all(keys.map((key) => limiter.consume(key, limit)));
      }
      // A limiter that makes room for new keys must never drop a window that has not ended.
      expect((await limiter.consume('first', limit)).allowed).toBe(false);
      expect((await limiter.consume('other-9-999', limit)).allowed).toBe(false);
    },
    timeoutMs,
  );

  it(
    'consume(key, limit) reports one resetAt for every decision of a window, a finite time in the future of the window start',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 2, windowMs: LONG_WINDOW_MS };
      const decisions = [];
      for (let call = 0; call < 4; call += 1) decisions.push(await limiter.consume('reset', limit));
      const first = decisions[0]?.resetAt ?? Number.NaN;
      expect(Number.isFinite(first)).toBe(true);
      for (const decision of decisions) {
        // The same window: the backend may compute the end from a remote TTL, so allow drift, never a new window.
        expect(Math.abs(decision.resetAt - first)).toBeLessThan(LONG_WINDOW_MS / 2);
      }
    },
    timeoutMs,
  );
}
