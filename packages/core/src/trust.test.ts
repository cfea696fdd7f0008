import { describe, expect, it } from 'vitest';
import { InvalidInputError, WardenError } from './errors.js';
import { compareTrustLevel, meetsTrustLevel, TRUST_LEVELS, type TrustLevel } from './trust.js';

describe('compareTrustLevel(a, b)', () => {
  it('orders owner > trusted > semi-trusted > untrusted, as in the seed examples', () => {
    expect(compareTrustLevel('owner', 'trusted')).toBe(1);
    expect(compareTrustLevel('untrusted', 'trusted')).toBe(-1);
    expect(compareTrustLevel('trusted', 'trusted')).toBe(0);
  });

  it('returns exactly -1, 0 or 1 for every pair', () => {
    for (const a of TRUST_LEVELS) {
      for (const b of TRUST_LEVELS) {
        expect([-1, 0, 1]).toContain(compareTrustLevel(a, b));
        expect(compareTrustLevel(a, b)).toBe(-compareTrustLevel(b, a) || 0);
      }
    }
  });

  it('throws INVALID_INPUT for an unknown level instead of granting', () => {
    const call = () => compareTrustLevel('root' as TrustLevel, 'owner');
    expect(call).toThrow(InvalidInputError);
    try {
      call();
    } catch (error) {
      expect(WardenError.isInstance(error) && error.code).toBe('INVALID_INPUT');
    }
  });

  it('rejects inherited property names such as "constructor"', () => {
    expect(() => meetsTrustLevel('constructor' as TrustLevel, 'untrusted')).toThrow(InvalidInputError);
  });
});

describe('meetsTrustLevel(actual, required)', () => {
  it('matches the seed examples', () => {
    expect(meetsTrustLevel('owner', 'trusted')).toBe(true);
    expect(meetsTrustLevel('untrusted', 'trusted')).toBe(false);
    expect(meetsTrustLevel('trusted', 'trusted')).toBe(true);
  });
});
