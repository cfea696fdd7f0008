import { describe, expect, it } from 'vitest';
import { assessPattern, PATTERN_STEP_BUDGET, UnsafePatternError } from './pattern-cost.js';

/** Classic catastrophic patterns (OWASP's list and friends). */
const EVIL = [
  '^(a+)+$',
  '(a+)+',
  '(a|aa)+',
  '(a|a)*',
  '^(a|a?)+$',
  '(\\w+\\s?)*$',
  '(.*a){20}',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
  '(x+x+)+y',
  '(a?){30}a{30}',
  '(a*)\\1',
  '(?<x>a+)\\k<x>',
  '.*.*.*.*.*.*=',
  `^${'(a|a)'.repeat(40)}$`,
];

/** Everyday patterns of tool schemas. */
const BENIGN = [
  '^[a-z0-9-]+$',
  '^\\d{4}-\\d{2}-\\d{2}$',
  '^[a-z0-9]+(?:-[a-z0-9]+)*$',
  '^([a-z0-9]+\\.)+[a-z]{2,}$',
  '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$',
  '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$',
  '^(\\d{1,3}\\.){3}\\d{1,3}$',
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  '^https?://',
  '^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{8,}$',
  '^[^\\s]+$',
  '^(foo|bar|baz)$',
  '^\\p{L}[\\p{L}\\p{N} _-]*$',
  '.*.*=',
];

/** The longest string whose estimate fits the whole budget. */
function longestTestable(pattern: string): number {
  const { cost } = assessPattern(pattern);
  let low = 0;
  let high = 2 ** 31;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (cost(middle) <= PATTERN_STEP_BUDGET) low = middle;
    else high = middle - 1;
  }
  return low;
}

describe('assessPattern(pattern): schema patterns against the backtracking engine', () => {
  it.each(EVIL)('refuses %s', (pattern) => {
    expect(() => assessPattern(pattern)).toThrow(UnsafePatternError);
  });

  it.each(BENIGN)('runs %s', (pattern) => {
    expect(() => assessPattern(pattern)).not.toThrow();
  });

  it('lets common anchored patterns test long strings, and bounds patterns whose quantifiers backtrack over each other', () => {
    expect(longestTestable('^[a-z0-9-]+$')).toBeGreaterThan(4 * 1024 * 1024);
    expect(longestTestable('^\\d{4}-\\d{2}-\\d{2}$')).toBeGreaterThan(4 * 1024 * 1024);
    expect(longestTestable('^[a-z0-9]+(?:-[a-z0-9]+)*$')).toBeGreaterThan(1000);
    expect(longestTestable('^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$')).toBeGreaterThan(1000);
    expect(longestTestable('.*.*=')).toBeLessThan(1000);
  });

  it('every pattern it runs, on its worst input at the longest length it admits, finishes in well under a second', () => {
    const cases: Array<[string, (length: number) => string]> = [
      ['.*.*=', (length) => 'a'.repeat(length)],
      ['.*.*.*=', (length) => 'a'.repeat(length)],
      ['[a-z]+x', (length) => 'a'.repeat(length)],
      [
        '(?:-[a-z0-9]+)*(?:-[a-z0-9]+)*$',
        (length) => `${'-aaaaaaa'.repeat(Math.ceil(length / 8)).slice(0, length - 1)}!`,
      ],
      ['^[a-z0-9]+(?:-[a-z0-9]+)*$', (length) => `${'a-'.repeat(Math.ceil(length / 2)).slice(0, length - 1)}!`],
      ['^([a-z0-9]+\\.)+[a-z]{2,}$', (length) => `${'a.'.repeat(Math.ceil(length / 2)).slice(0, length - 1)}!`],
      [
        '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$',
        (length) => `a@${'a.'.repeat(length / 2)}`.slice(0, length),
      ],
      ['\\d+\\d*x', (length) => '1'.repeat(length)],
      ['(a|b){2}c*c*d', (length) => 'ab'.padEnd(length, 'c')],
    ];
    for (const [pattern, worst] of cases) {
      const length = Math.min(longestTestable(pattern), 4 * 1024 * 1024);
      const text = worst(length);
      const started = performance.now();
      new RegExp(pattern, 'u').test(text);
      expect(performance.now() - started, pattern).toBeLessThan(500);
    }
  });
});
