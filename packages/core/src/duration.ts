/**
 * Time-to-live parsing shared by every credential issuer.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});

/** The longest TTL core accepts (30 days). Backends may accept less. */
export const MAX_TTL_MS: number = 30 * 86_400_000;

/**
 * Parses a TTL: a positive duration string (`"90s"`, `"15m"`, `"1h"`, `"1d"`, `"500ms"`) or a
 * positive whole number of milliseconds.
 *
 * @param maxMs the largest TTL accepted; defaults to {@link MAX_TTL_MS}.
 * @returns the TTL in milliseconds.
 * @throws {@link InvalidInputError} for zero, negative, fractional, non-finite, malformed or
 * too-large values.
 */
export function parseTtl(ttl: string | number, maxMs: number = MAX_TTL_MS): number {
  const milliseconds = typeof ttl === 'number' ? ttl : parseDurationString(ttl);
  if (!Number.isSafeInteger(milliseconds) || milliseconds <= 0) {
    throw invalidTtl(ttl, 'must be a positive whole number of milliseconds or a duration like "15m"');
  }
  // "Within the limit" rather than "above it": a limit that is not a number (a setting read as
  // NaN) then refuses every TTL instead of accepting any.
  if (!(milliseconds <= maxMs)) {
    throw invalidTtl(ttl, `must be at most ${maxMs} ms`);
  }
  return milliseconds;
}

function parseDurationString(ttl: unknown): number {
  if (typeof ttl !== 'string') throw invalidTtl(ttl, 'must be a string or a number');
  const match = /^([1-9][0-9]{0,9})(ms|s|m|h|d)$/.exec(ttl);
  const unit = match?.[2];
  if (!match?.[1] || !unit) throw invalidTtl(ttl, 'must look like "90s", "15m", "1h" or "1d"');
  return Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
}

function invalidTtl(ttl: unknown, problem: string): InvalidInputError {
  // Only a number is quoted: a string may be a token handed over in the wrong argument.
  return new InvalidInputError({
    message: typeof ttl === 'number' ? `Invalid TTL ${ttl}: ${problem}` : `Invalid TTL: ${problem}`,
    issues: [{ path: 'ttl', message: problem }],
  });
}
