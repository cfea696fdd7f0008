import { describe, expect, it } from 'vitest';
import { type ApprovalTier, classifyApprovalTier, compareTiers, isApprovalTier } from './approval-tier.js';
import { InvalidInputError } from './errors.js';

// The reference (ai-sdlc approval-tier.ts): 1–3 auto, 4–6 peer review, 7–8 team lead, 9–10
// security review; infrastructure at least team lead; security-sensitive always security review.
const byScore: [number, ApprovalTier][] = [
  [0, 'auto'],
  [1, 'auto'],
  [3, 'auto'],
  [3.99, 'auto'],
  [4, 'peer-review'],
  [6, 'peer-review'],
  [6.99, 'peer-review'],
  [7, 'team-lead'],
  [8, 'team-lead'],
  [8.99, 'team-lead'],
  [9, 'security-review'],
  [9.5, 'security-review'],
  [10, 'security-review'],
  [42, 'security-review'],
];

describe('classifyApprovalTier(input), as the reference implementation classifies', () => {
  it.each(byScore)('score %s alone needs %s', (complexityScore, tier) => {
    expect(classifyApprovalTier({ complexityScore })).toBe(tier);
    expect(classifyApprovalTier({ complexityScore, isInfraChange: false, securitySensitive: false })).toBe(tier);
  });

  it.each(byScore)('score %s on infrastructure needs at least a team lead', (complexityScore, tier) => {
    const expected = compareTiers(tier, 'team-lead') > 0 ? tier : 'team-lead';
    expect(classifyApprovalTier({ complexityScore, isInfraChange: true })).toBe(expected);
  });

  it('a 9.5 infrastructure change needs a security review, not only a team lead', () => {
    expect(classifyApprovalTier({ complexityScore: 9.5, isInfraChange: true })).toBe('security-review');
  });

  it.each(byScore)('score %s when security-sensitive always needs a security review', (complexityScore) => {
    expect(classifyApprovalTier({ complexityScore, securitySensitive: true })).toBe('security-review');
    expect(classifyApprovalTier({ complexityScore, securitySensitive: true, isInfraChange: true })).toBe(
      'security-review',
    );
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'score %s is INVALID_INPUT, never auto (the reference failed open on NaN)',
    (complexityScore) => {
      expect(() => classifyApprovalTier({ complexityScore })).toThrow(InvalidInputError);
    },
  );
});

describe('approval tiers: what is refused, and how', () => {
  it.each<[string, unknown]>([
    ['NaN', { complexityScore: Number.NaN }],
    ['a negative score', { complexityScore: -0.5 }],
    ['a numeric string', { complexityScore: '5' }],
    ['no score', {}],
    ['no input at all', undefined],
    ['null', null],
  ])('classifyApprovalTier(%s) is INVALID_INPUT naming complexityScore', (_label, input) => {
    let thrown: unknown;
    try {
      classifyApprovalTier(input as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: 'complexityScore', message: 'must be a finite number ≥ 0' }],
    });
    expect((thrown as Error).message).toMatch(/^complexityScore must be a finite number ≥ 0, got /);
  });

  it('reads only what the input holds itself: a polluted Object.prototype neither supplies a missing score nor a flag', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.complexityScore = 0;
    prototype.isInfraChange = 'yes';
    try {
      expect(() => classifyApprovalTier({} as never)).toThrow(InvalidInputError);
      expect(classifyApprovalTier({ complexityScore: 5 })).toBe('peer-review');
    } finally {
      delete prototype.complexityScore;
      delete prototype.isInfraChange;
    }
  });

  it('reads each field once: a flag that reads true when checked cannot read false when classified', () => {
    let reads = 0;
    const input = {
      complexityScore: 1,
      get securitySensitive() {
        reads += 1;
        return reads === 1;
      },
    };
    expect(classifyApprovalTier(input)).toBe('security-review');
  });

  it.each<[string, unknown]>([
    ['securitySensitive', 'true'],
    ['securitySensitive', 1],
    ['securitySensitive', null],
    ['isInfraChange', 'yes'],
    ['isInfraChange', {}],
  ])('a %s flag of %j is INVALID_INPUT, never read as absent (a caller classifying untrusted data)', (flag, value) => {
    let thrown: unknown;
    try {
      classifyApprovalTier({ complexityScore: 1, [flag]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: flag, message: 'must be a boolean' }] });
  });

  it('compareTiers orders the tiers and refuses an unknown one, naming which argument', () => {
    expect(compareTiers('auto', 'security-review')).toBeLessThan(0);
    expect(compareTiers('team-lead', 'team-lead')).toBe(0);
    expect(compareTiers('security-review', 'peer-review')).toBeGreaterThan(0);
    for (const [a, b, path] of [
      ['root', 'auto', 'a'],
      ['auto', 'Auto', 'b'],
    ] as const) {
      let thrown: unknown;
      try {
        compareTiers(a as ApprovalTier, b as ApprovalTier);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidInputError);
      expect(thrown).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path, message: 'unknown approval tier' }] });
      expect((thrown as Error).message).toMatch(/^Unknown approval tier "/);
    }
  });

  it('isApprovalTier is true for exactly the four tiers', () => {
    for (const tier of ['auto', 'peer-review', 'team-lead', 'security-review']) expect(isApprovalTier(tier)).toBe(true);
    for (const value of ['Auto', 'root', '', 5, null, undefined, ['auto']]) expect(isApprovalTier(value)).toBe(false);
  });
});
