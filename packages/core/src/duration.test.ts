import { describe, expect, it } from 'vitest';
import { MAX_TTL_MS, parseTtl } from './duration.js';
import { InvalidInputError } from './errors.js';

describe('parseTtl(ttl, maxMs)', () => {
  it('reads duration strings and whole milliseconds up to maxMs', () => {
    expect(parseTtl('15m')).toBe(900_000);
    expect(parseTtl(1_000, 1_000)).toBe(1_000);
    expect(() => parseTtl(1_001, 1_000)).toThrow(InvalidInputError);
    expect(() => parseTtl(MAX_TTL_MS + 1)).toThrow(InvalidInputError);
  });

  it('refuses every TTL when maxMs is not a number (an unset setting read as NaN), instead of accepting any', () => {
    for (const maxMs of [Number.NaN, '1h', null]) {
      expect(() => parseTtl('1m', maxMs as number)).toThrow(InvalidInputError);
      expect(() => parseTtl(Number.MAX_SAFE_INTEGER, maxMs as number)).toThrow(InvalidInputError);
    }
  });
});
