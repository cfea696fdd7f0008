import { createHash } from 'node:crypto';

/**
 * What a {@link ReplayGuard} says about a signature: seen for the first time (now remembered),
 * seen before, signed before the guard's memory reaches (`'stale'`), or not remembered because
 * the guard is full.
 */
type ReplayVerdict = 'first-use' | 'replay' | 'stale' | 'full';

/** Remembers peer signatures for a while, so that a captured request cannot be sent again. */
export interface ReplayGuard {
  /**
   * Remembers `signature`, made at `timestamp` (epoch ms, the peer's claim), and answers
   * `'first-use'`; `'replay'` when it was seen within its window; `'stale'` when `timestamp` is
   * older than the window before the latest time the guard was told (`now` may step back; what
   * the guard forgot stays refused); `'full'` when it already holds its bound of unexpired
   * signatures. Any answer but `'first-use'` must refuse the request.
   */
  remember(signature: Buffer, timestamp: number, now: number): ReplayVerdict;
}

/** Options of {@link createReplayGuard}. */
export interface ReplayGuardOptions {
  /** The most signatures held at once. @default 100000 */
  maxEntries?: number;
  /**
   * When the guard was created (epoch ms). A signature made earlier is refused: it may have been
   * used against the process before a restart, whose memory of used signatures died with it.
   * Without it, nothing older than the window is refused on that ground.
   */
  startedAt?: number;
}

/**
 * A replay guard in memory (one process). A signature is remembered for twice the accepted clock
 * skew, which covers every moment its timestamp is accepted. Time is the latest `now` it was
 * given, never earlier: a wall clock stepping back must not bring a forgotten signature's
 * timestamp back into the window. A signature made before `startedAt` is refused, so a restart
 * (which empties this memory) does not reopen the window for requests captured before it. At
 * most `maxEntries` signatures are held; past that, new ones are refused (`'full'`) until the
 * oldest leave their window. It never drops an unexpired one to make room: a flood of valid
 * signatures from self-made keys (free to make) would otherwise push a captured signature out
 * and let it be replayed. The flood can delay peers for at most two windows; operators and API
 * clients are not affected.
 */
export function createReplayGuard(windowMs: number, options: ReplayGuardOptions = {}): ReplayGuard {
  const maxEntries = options.maxEntries ?? 100_000;
  const floor = options.startedAt ?? Number.NEGATIVE_INFINITY;
  const expiries = new Map<string, number>();
  let latest = Number.NEGATIVE_INFINITY;
  return {
    remember(signature, timestamp, now) {
      latest = Math.max(latest, now);
      // Forgotten entries were made before `latest - windowMs`, and this process has seen
      // nothing made before `floor`: refuse everything that old.
      if (timestamp < Math.max(floor, latest - windowMs)) return 'stale';
      for (const [digest, expiresAt] of expiries) {
        if (expiresAt >= latest) break;
        expiries.delete(digest);
      }
      // Keyed on the decoded bytes: base64 has several spellings of one signature.
      const digest = createHash('sha256').update(signature).digest('hex');
      if (expiries.has(digest)) return 'replay';
      if (expiries.size >= maxEntries) return 'full';
      expiries.set(digest, latest + 2 * windowMs);
      return 'first-use';
    },
  };
}
