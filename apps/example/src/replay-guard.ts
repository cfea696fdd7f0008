import { createHash } from 'node:crypto';

/**
 * What a {@link ReplayGuard} says about a signature: seen for the first time (now remembered),
 * seen before, or not remembered because the guard is full.
 */
type ReplayVerdict = 'first-use' | 'replay' | 'full';

/** Remembers peer signatures for a while, so that a captured request cannot be sent again. */
export interface ReplayGuard {
  /**
   * Remembers `signature` and answers `'first-use'`; `'replay'` when it was seen within its
   * window; `'full'` when the guard already holds its bound of unexpired signatures. A request
   * answered `'full'` must be refused: accepted unremembered, it could be sent again.
   */
  remember(signature: Buffer, now: number): ReplayVerdict;
}

/**
 * A replay guard in memory (one process). A signature is remembered for twice the accepted clock
 * skew, which covers every moment its timestamp is accepted. At most `maxEntries` signatures
 * are held; past that, new ones are refused (`'full'`) until the oldest leave their window. It
 * never drops an unexpired one to make room: a flood of valid signatures from self-made keys
 * (free to make) would otherwise push a captured signature out and let it be replayed. The
 * flood can delay peers for at most one window; operators and API clients are not affected.
 */
export function createReplayGuard(windowMs: number, maxEntries = 100_000): ReplayGuard {
  const expiries = new Map<string, number>();
  return {
    remember(signature, now) {
      for (const [digest, expiresAt] of expiries) {
        if (expiresAt > now) break;
        expiries.delete(digest);
      }
      // Keyed on the decoded bytes: base64 has several spellings of one signature.
      const digest = createHash('sha256').update(signature).digest('hex');
      if (expiries.has(digest)) return 'replay';
      if (expiries.size >= maxEntries) return 'full';
      expiries.set(digest, now + 2 * windowMs);
      return 'first-use';
    },
  };
}
