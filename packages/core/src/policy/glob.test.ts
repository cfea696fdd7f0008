import { describe, expect, it } from 'vitest';
import { compileGlobList, matchGlob } from './glob.js';

describe('matchGlob(pattern, name)', () => {
  it('matches * as any run and ? as one character', () => {
    expect(matchGlob('mcp__*', 'mcp__github__search')).toBe(true);
    expect(matchGlob('Web?????', 'WebFetch')).toBe(true);
    expect(matchGlob('Web?????', 'WebSearch')).toBe(false);
    expect(matchGlob('*', '')).toBe(true);
    expect(matchGlob('a*b*c', 'aXbYc')).toBe(true);
    expect(matchGlob('a*b*c', 'aXbY')).toBe(false);
    expect(matchGlob('Bash', 'bash')).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    expect(matchGlob('a.b', 'aXb')).toBe(false);
    expect(matchGlob('(a+)+$', '(a+)+$')).toBe(true);
  });

  it('answers a back-tracking-hostile pattern quickly', () => {
    const pattern = `${'*a'.repeat(50)}b`;
    const name = 'a'.repeat(5000);
    const started = performance.now();
    expect(matchGlob(pattern, name)).toBe(false);
    // Not a timing assertion on speed, only a guard against exponential blow-up.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('compileGlobList(patterns)', () => {
  it('reports the first matching pattern, exact names first', () => {
    const list = compileGlobList(['Web*', 'WebFetch', 'Bash']);
    expect(list.firstMatch('WebFetch')).toBe('WebFetch');
    expect(list.firstMatch('WebSearch')).toBe('Web*');
    expect(list.matches('Read')).toBe(false);
  });
});
