/**
 * Trust levels: who is asking, ordered from most to least trusted.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';

/** How much a source is trusted: `owner > trusted > semi-trusted > untrusted`. */
export type TrustLevel = 'owner' | 'trusted' | 'semi-trusted' | 'untrusted';

/** Every trust level, most trusted first. */
export const TRUST_LEVELS: readonly TrustLevel[] = Object.freeze(['owner', 'trusted', 'semi-trusted', 'untrusted']);

const TRUST_RANK: Readonly<Record<TrustLevel, number>> = Object.freeze({
  owner: 3,
  trusted: 2,
  'semi-trusted': 1,
  untrusted: 0,
});

/** True when `value` is one of the four trust levels. */
export function isTrustLevel(value: unknown): value is TrustLevel {
  return typeof value === 'string' && Object.hasOwn(TRUST_RANK, value);
}

/**
 * Returns the trust level unchanged, or throws `INVALID_INPUT` for anything else.
 * An unknown level is an error, never a silent grant.
 */
export function assertTrustLevel(value: unknown, path = 'trustLevel'): TrustLevel {
  if (!isTrustLevel(value)) {
    throw new InvalidInputError({
      message: `Unknown trust level ${JSON.stringify(value)}; expected one of ${TRUST_LEVELS.join(', ')}`,
      issues: [{ path, message: 'unknown trust level' }],
    });
  }
  return value;
}

/**
 * Compares two trust levels.
 *
 * @returns exactly `1` when `a` is more trusted than `b`, `-1` when less, `0` when equal.
 * @throws {@link InvalidInputError} when either argument is not a trust level.
 * @example
 * compareTrustLevel('owner', 'trusted'); // 1
 * compareTrustLevel('untrusted', 'trusted'); // -1
 */
export function compareTrustLevel(a: TrustLevel, b: TrustLevel): -1 | 0 | 1 {
  const difference = TRUST_RANK[assertTrustLevel(a, 'a')] - TRUST_RANK[assertTrustLevel(b, 'b')];
  return difference > 0 ? 1 : difference < 0 ? -1 : 0;
}

/**
 * True when `actual` is at least as trusted as `required`.
 *
 * @throws {@link InvalidInputError} when either argument is not a trust level.
 * @example
 * meetsTrustLevel('owner', 'trusted'); // true
 * meetsTrustLevel('untrusted', 'trusted'); // false
 */
export function meetsTrustLevel(actual: TrustLevel, required: TrustLevel): boolean {
  return compareTrustLevel(actual, required) >= 0;
}
