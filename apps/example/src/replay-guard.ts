import { createHash } from 'node:crypto';

/** Remembers peer signatures for a while, so that a captured request cannot be sent again. */
export interface ReplayGuard {
  /** True the first time this signature is seen within its window; false for a replay. */
  firstUse(signature: Buffer, now: number): boolean;
}

/**
 * A replay guard in memory (one process). A signature is remembered for twice the accepted clock
 * skew, which covers every moment its timestamp is accepted. Beyond `maxEntries` the oldest
 * entries are dropped: a flood of valid signatures could then reopen the window for old ones,
 * which is why a deployment with several processes or hostile peers keeps this in Redis instead.
 */
export function createReplayGuard(windowMs: number, maxEntries = 100_000): ReplayGuard {
  const expiries = new Map<string, number>();
  return {
    firstUse(signature, now) {
      for (const [digest, expiresAt] of expiries) {
        if (expiresAt > now) break;
        expiries.delete(digest);
      }
      // Keyed on the decoded bytes: base64 has several spellings of one signature.
      const digest = createHash('sha256').update(signature).digest('hex');
      if (expiries.has(digest)) return false;
      if (expiries.size >= maxEntries) expiries.delete(expiries.keys().next().value as string);
      expiries.set(digest, now + 2 * windowMs);
      return true;
    },
  };
}
