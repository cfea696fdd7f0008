import { describe, expect, it } from 'vitest';
import {
  APPROVAL_TIERS,
  classifyApprovalTier,
  compareTiers,
  isApprovalTier,
  PEER_REVIEW_THRESHOLD,
  TEAM_LEAD_THRESHOLD,
} from './approval-tier.js';

describe('classifyApprovalTier(input)', () => {
  it.each([
    [0, 'auto'],
    [1, 'auto'],
    [3, 'auto'],
    [3.99, 'auto'],
    [4, 'peer-review'],
    [6, 'peer-review'],
    [6.5, 'peer-review'],
    [7, 'team-lead'],
    [8, 'team-lead'],
    [9, 'team-lead'],
    [100, 'team-lead'],
  ] as const)('classifies score %s as %s', (complexityScore, tier) => {
    expect(classifyApprovalTier({ complexityScore })).toBe(tier);
  });

  it('names the thresholds the seed uses', () => {
    expect([PEER_REVIEW_THRESHOLD, TEAM_LEAD_THRESHOLD]).toEqual([4, 7]);
  });

  it('puts a security-sensitive change into security-review at every score', () => {
    for (const complexityScore of [0, 1, 4, 7, 9]) {
      expect(classifyApprovalTier({ complexityScore, securitySensitive: true })).toBe('security-review');
      expect(classifyApprovalTier({ complexityScore, securitySensitive: true, isInfraChange: true })).toBe(
        'security-review',
      );
    }
  });

  it('puts an infrastructure change at least into team-lead', () => {
    expect(classifyApprovalTier({ complexityScore: 1, isInfraChange: true })).toBe('team-lead');
    expect(classifyApprovalTier({ complexityScore: 5, isInfraChange: true })).toBe('team-lead');
    expect(classifyApprovalTier({ complexityScore: 1, isInfraChange: false })).toBe('auto');
    expect(classifyApprovalTier({ complexityScore: 1, securitySensitive: false })).toBe('auto');
  });

  it.each([
    ['NaN', Number.NaN],
    ['-1', -1],
    ['-0.5', -0.5],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a string', '5'],
    ['undefined', undefined],
  ])('refuses a score of %s with INVALID_INPUT instead of failing open to auto', (_, complexityScore) => {
    expect(() => classifyApprovalTier({ complexityScore: complexityScore as number })).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        issues: [expect.objectContaining({ path: 'complexityScore' })],
      }),
    );
    expect(() => classifyApprovalTier({ complexityScore: complexityScore as number, securitySensitive: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses a missing input with INVALID_INPUT', () => {
    expect(() => classifyApprovalTier(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('compareTiers(a, b) and isApprovalTier(value)', () => {
  it('orders auto < peer-review < team-lead < security-review', () => {
    expect(APPROVAL_TIERS).toEqual(['auto', 'peer-review', 'team-lead', 'security-review']);
    expect(Object.isFrozen(APPROVAL_TIERS)).toBe(true);
    expect(compareTiers('auto', 'peer-review')).toBeLessThan(0);
    expect(compareTiers('security-review', 'team-lead')).toBeGreaterThan(0);
    expect(compareTiers('team-lead', 'team-lead')).toBe(0);
    expect(compareTiers('auto', 'security-review')).toBe(-3);
  });

  it('refuses an unknown tier on either side, naming the side', () => {
    expect(() => compareTiers('urgent' as never, 'auto')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'a' })] }),
    );
    expect(() => compareTiers('auto', 'urgent' as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'b' })] }),
    );
  });

  it('isApprovalTier(value) accepts the four tiers only', () => {
    for (const tier of APPROVAL_TIERS) expect(isApprovalTier(tier)).toBe(true);
    for (const value of ['Auto', 'urgent', '', 1, null, undefined]) expect(isApprovalTier(value)).toBe(false);
  });
});
