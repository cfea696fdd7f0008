import { describe, expect, it } from 'vitest';
import { boundedReason } from './denial.js';

describe('boundedReason(reason)', () => {
  it('a short reason is unchanged, and a cut never splits a surrogate pair', () => {
    expect(boundedReason('argument path is outside the allowed roots')).toBe(
      'argument path is outside the allowed roots',
    );
    const emojiAtCut = `${'x'.repeat(1022)}😀${'x'.repeat(10)}`;
    const cut = boundedReason(emojiAtCut);
    expect(cut.length).toBeLessThanOrEqual(1024);
    expect(cut).toBe(`${'x'.repeat(1022)}…`);
  });
});
