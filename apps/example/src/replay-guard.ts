import { createHash } from 'node:crypto';

/**
 * How far ahead of the host's clock a peer's timestamp may be. Small on purpose: a signature is
 * accepted until its timestamp is a window old, so one dated ahead lives longer, and one dated
 * up to this far ahead may have been used against the process before a restart, whose memory
 * died with it. A guard refuses everything dated before its start plus this skew (see
 * {@link ReplayGuardOptions.startedAt}); a few seconds cover clocks kept by NTP.
 */
export const PEER_FUTURE_SKEW_MS = 2_000;

/**
 * What a {@link ReplayGuard} says about a signature: seen for the first time (now remembered),
 * seen before, signed before the guard's memory reaches (`'stale'`), dated more than
 * {@link PEER_FUTURE_SKEW_MS} ahead of `now` (`'future'`), or not remembered because the guard
 * is full.
 */
type ReplayVerdict = 'first-use' | 'replay' | 'stale' | 'future' | 'full';

/** Remembers peer signatures for a while, so that a captured request cannot be sent again. */
export interface ReplayGuard {
  /**
   * Remembers `signature`, made at `timestamp` (epoch ms, the peer's claim), and answers
   * `'first-use'`; `'replay'` when it was seen within its window; `'stale'` when `timestamp` is
   * older than the window before the latest time the guard was told (`now` may step back; what
   * the guard forgot stays refused) or too early for this process (see `startedAt`); `'future'`
   * when it is more than {@link PEER_FUTURE_SKEW_MS} ahead of `now`; `'full'` when it already
   * holds its bound of unexpired signatures. Any answer but `'first-use'` must refuse the request.
   */
  remember(signature: Buffer, timestamp: number, now: number): ReplayVerdict;
}

/** Options of {@link createReplayGuard}. */
export interface ReplayGuardOptions {
  /** The most signatures held at once. @default 100000 */
  maxEntries?: number;
  /**
   * When the guard was created (epoch ms). A signature dated before `startedAt +
   * PEER_FUTURE_SKEW_MS` is refused: the process before a restart, whose memory of used
   * signatures died with it, accepted timestamps up to that skew ahead of its clock, and its
   * clock was before `startedAt`. So for that skew after a start every peer signature is refused
   * (the host listens only once it has passed). Without it, nothing is refused on that ground.
   * This assumes the wall clock did not step back across the restart.
   */
  startedAt?: number;
}

/**
 * A replay guard in memory (one process). A signature is remembered for a window plus
 * {@link PEER_FUTURE_SKEW_MS} past the latest time the guard was told, which covers every moment
 * its timestamp is accepted (at most that skew ahead, at most a window behind). Time is the latest `now` it was
 * given, never earlier: a wall clock stepping back must not bring a forgotten signature's
 * timestamp back into the window. A signature made before `startedAt` is refused, so a restart
 * (which empties this memory) does not reopen the window for requests captured before it. At
 * most `maxEntries` signatures are held; past that, new ones are refused (`'full'`) until the
 * oldest leave their window. It never drops an unexpired one to make room: a flood of valid
 * signatures from self-made keys (free to make) would otherwise push a captured signature out
 * and let it be replayed. The flood can delay peers for at most a window and the skew; operators
 * and API clients are not affected.
 */
export function createReplayGuard(windowMs: number, options: ReplayGuardOptions = {}): ReplayGuard {
  const maxEntries = options.maxEntries ?? 100_000;
  const floor = (options.startedAt ?? Number.NEGATIVE_INFINITY) + PEER_FUTURE_SKEW_MS;
  const expiries = new Map<string, number>();
  let latest = Number.NEGATIVE_INFINITY;
  return {
    remember(signature, timestamp, now) {
      latest = Math.max(latest, now);
      // An entry outlives `timestamp + windowMs` (when the stale check takes over) only for a
      // timestamp at most the skew ahead; one further ahead would be forgotten while still fresh.
      if (timestamp > now + PEER_FUTURE_SKEW_MS) return 'future';
      // Forgotten entries were made before `latest - windowMs`, and this process may not have
      // seen what was made before `floor`: refuse everything that old.
      if (timestamp < Math.max(floor, latest - windowMs)) return 'stale';
      for (const [digest, expiresAt] of expiries) {
        if (expiresAt >= latest) break;
        expiries.delete(digest);
      }
      // Keyed on the decoded bytes: base64 has several spellings of one signature.
      const digest = createHash('sha256').update(signature).digest('hex');
      if (expiries.has(digest)) return 'replay';
      if (expiries.size >= maxEntries) return 'full';
      // Never earlier than an entry set before (the loop above stops at the first unexpired one).
      expiries.set(digest, latest + windowMs + PEER_FUTURE_SKEW_MS);
      return 'first-use';
    },
  };
}
