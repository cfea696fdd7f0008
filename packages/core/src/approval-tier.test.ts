import { describe, expect, it } from 'vitest';
import { type ApprovalTier, classifyApprovalTier, compareTiers } from './approval-tier.js';
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
