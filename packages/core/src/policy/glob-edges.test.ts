import { describe, expect, it } from 'vitest';
import { compileGlobList, isGlob, matchGlob } from './glob.js';

// Edges where a broken matcher flips a decision: a deny that stops blocking, an allow that admits more.
describe('matchGlob(pattern, name) at the edges that decide', () => {
  it('anchors both ends: allow Write* never admits TodoWrite, *Write never admits WriteFile', () => {
    expect(matchGlob('Write*', 'TodoWrite')).toBe(false);
    expect(matchGlob('Write*', 'Write')).toBe(true);
    expect(matchGlob('Write*', 'WriteFile')).toBe(true);
    expect(matchGlob('*Write', 'WriteFile')).toBe(false);
    expect(matchGlob('*Write', 'TodoWrite')).toBe(true);
    expect(matchGlob('Read', 'ReadFile')).toBe(false);
    expect(matchGlob('ReadFile', 'Read')).toBe(false);
  });

  it('back-tracks a leading *: deny *ash blocks Bash, and *a*b finds the last b', () => {
    expect(matchGlob('*ash', 'Bash')).toBe(true);
    expect(matchGlob('*ash', 'Bashash')).toBe(true);
    expect(matchGlob('*ash', 'Bas')).toBe(false);
    expect(matchGlob('*ab', 'aab')).toBe(true);
    expect(matchGlob('*ab', 'abab')).toBe(true);
    expect(matchGlob('*a*b', 'xaxxbxb')).toBe(true);
    expect(matchGlob('*a*b', 'xaxxbx')).toBe(false);
    expect(matchGlob('a*a', 'aa')).toBe(true);
    expect(matchGlob('a*a', 'a')).toBe(false);
  });

  it('matches ? as exactly one character and * as zero or more', () => {
    expect(matchGlob('?', '')).toBe(false);
    expect(matchGlob('?', 'a')).toBe(true);
    expect(matchGlob('?', 'ab')).toBe(false);
    expect(matchGlob('a?c', 'ac')).toBe(false);
    expect(matchGlob('a*c', 'ac')).toBe(true);
    expect(matchGlob('**', '')).toBe(true);
    expect(matchGlob('a**', 'a')).toBe(true);
    expect(matchGlob('a*?', 'a')).toBe(false);
    expect(matchGlob('a*?', 'ab')).toBe(true);
    expect(matchGlob('', '')).toBe(true);
    expect(matchGlob('', 'a')).toBe(false);
    expect(matchGlob('a', '')).toBe(false);
    expect(matchGlob('*b', '')).toBe(false);
  });

  it('matches ? as one whole character beyond U+FFFF too: deny tool-? blocks tool-😀', () => {
    expect(matchGlob('tool-?', 'tool-😀')).toBe(true);
    expect(matchGlob('?', '😀')).toBe(true);
    expect(matchGlob('??', '😀')).toBe(false);
    expect(matchGlob('x?y', 'x𝒜y')).toBe(true);
    expect(matchGlob('*?', '😀')).toBe(true);
    expect(matchGlob('*?x', 'a😀x')).toBe(true);
    expect(matchGlob('a*??', 'a😀')).toBe(false);
    // * resumes at whole characters: a literal low surrogate never matches half of a pair.
    expect(matchGlob('*\ude00', '😀')).toBe(false);
    // A lone surrogate is one character of its own.
    expect(matchGlob('?', '\ud83d')).toBe(true);
    expect(matchGlob('??', '\ud83dx')).toBe(true);
  });

  it('matches U+1D400 (mathematical bold A) as one character: deny tool-? blocks tool-𝐀, ?? does not', () => {
    const deny = compileGlobList(['tool-?']);
    expect(deny.matches('tool-\u{1D400}')).toBe(true);
    expect(matchGlob('tool-??', 'tool-\u{1D400}')).toBe(false);
    expect(matchGlob('?\u{1D400}?', 'a\u{1D400}\u{1D400}')).toBe(true);
    expect(matchGlob('*-?', 'tool-\u{1D400}')).toBe(true);
  });

  it('never matches half of a pair with a literal surrogate either: allow \\ud835* admits no tool-𝐀…', () => {
    // U+1D400 is the pair D835 DC00; a pattern holding only its first half names no character of it.
    expect(matchGlob('\ud835*', '\u{1D400}x')).toBe(false);
    expect(matchGlob('x\ud835*', 'x\u{1D400}')).toBe(false);
    expect(matchGlob('*\udc00', 'a\u{1D400}')).toBe(false);
    expect(compileGlobList(['\ud835*']).matches('\u{1D400}-tool')).toBe(false);
    // A lone surrogate in the name is still matched by the same lone surrogate in the pattern.
    expect(matchGlob('\ud835*', '\ud835x')).toBe(true);
    expect(matchGlob('\u{1D400}*', '\u{1D400}x')).toBe(true);
  });

  it('isGlob(pattern) is true only with * or ?', () => {
    expect(isGlob('Bash')).toBe(false);
    expect(isGlob('Bash*')).toBe(true);
    expect(isGlob('Bas?')).toBe(true);
    expect(isGlob('')).toBe(false);
  });
});

describe('compileGlobList(patterns) at the edges that decide', () => {
  it('matches exact names only exactly, and tries every glob in order', () => {
    const list = compileGlobList(['Bash', 'mcp__*', '*Write']);
    expect(list.matches('Bash')).toBe(true);
    expect(list.matches('BashX')).toBe(false);
    expect(list.firstMatch('mcp__github')).toBe('mcp__*');
    expect(list.firstMatch('TodoWrite')).toBe('*Write');
    expect(list.firstMatch('Read')).toBeUndefined();
    expect(list.patterns).toEqual(['Bash', 'mcp__*', '*Write']);
  });

  it('a lone * matches everything, and only a lone * short-cuts', () => {
    expect(compileGlobList(['*']).firstMatch('anything')).toBe('*');
    expect(compileGlobList(['Read', '*']).firstMatch('Write')).toBe('*');
    expect(compileGlobList(['*x']).matches('y')).toBe(false);
    expect(compileGlobList([]).matches('')).toBe(false);
  });

  it('keeps its own copy of the patterns, frozen', () => {
    const patterns = ['Bash'];
    const list = compileGlobList(patterns);
    patterns.push('*');
    expect(list.matches('Write')).toBe(false);
    expect(Object.isFrozen(list.patterns)).toBe(true);
  });
});
