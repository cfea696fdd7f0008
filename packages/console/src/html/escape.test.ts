import { describe, expect, it } from 'vitest';
import { consolePath, escapeHtml, html } from './escape.js';

describe('escaping', () => {
  it('escapeHtml escapes every character that can open markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('escapeHtml shows hidden characters as escapes and leaves other scripts and emoji alone', () => {
    expect(escapeHtml('a\u202eb\u200bc\u0007d\u{E0041}e\tf\ng')).toBe('a\\u202eb\\u200bc\\u0007d\\udb40\\udc41e\tf\ng');
    expect(escapeHtml('Grüße, 你好, مرحبا 🚀')).toBe('Grüße, 你好, مرحبا 🚀');
  });

  it('escapeHtml shows every invisible format character as an escape, those @warden/mcp flags in a tool definition included (attacker: an MCP server hiding text)', () => {
    // U+1D173 (musical begin beam), U+1BCA0 (shorthand format letter overlap), U+13430 (Egyptian
    // hieroglyph joiner), U+2064 (invisible plus) and U+0600 (Arabic number sign) are format characters.
    expect(escapeHtml('a\u{1D173}b\u{1BCA0}c\u{13430}d\u2064e\u0600f')).toBe(
      'a\\ud834\\udd73b\\ud82f\\udca0c\\ud80d\\udc30d\\u2064e\\u0600f',
    );
  });

  it('escapeHtml shows blanks that print like a space but are not one, and invisible code points Unicode has not assigned yet (attacker: a payload that reads as something else)', () => {
    // U+00A0 and U+3000 look like a space, U+2800 (braille blank), U+16FE4 and U+1D159 like
    // nothing; U+FFF0 and U+E0080 are unassigned default-ignorable code points (invisible once assigned).
    const disguised = [
      '\u00a0',
      '\u1680',
      '\u2007',
      '\u202f',
      '\u205f',
      '\u3000',
      '\u2800',
      '\u{16FE4}',
      '\u{1D159}',
      '\ufff0',
      '\u{E0080}',
    ];
    for (const character of disguised) {
      const shown = escapeHtml(`rm${character}-rf`);
      expect(shown).not.toContain(character);
      expect(shown).toMatch(/^rm(\\u[0-9a-f]{4})+-rf$/);
    }
    expect(escapeHtml('a b')).toBe('a b');
  });

  it('escapeHtml shows every character @warden/mcp flags in a tool definition (its ranges, checked code point by code point)', () => {
    const flagged: Array<[number, number]> = [
      [0x0000, 0x0008],
      [0x000b, 0x000c],
      [0x000e, 0x001f],
      [0x007f, 0x009f],
      [0x00ad, 0x00ad],
      [0x034f, 0x034f],
      [0x061c, 0x061c],
      [0x115f, 0x1160],
      [0x17b4, 0x17b5],
      [0x180b, 0x180f],
      [0x200b, 0x200f],
      [0x202a, 0x202e],
      [0x2060, 0x206f],
      [0x3164, 0x3164],
      [0xfe00, 0xfe0f],
      [0xfeff, 0xfeff],
      [0xffa0, 0xffa0],
      [0xfff9, 0xfffb],
      [0x13430, 0x1343f],
      [0x1bca0, 0x1bca3],
      [0x1d173, 0x1d17a],
      [0xe0000, 0xe007f],
      [0xe0100, 0xe01ef],
    ];
    for (const [low, high] of flagged) {
      for (let codePoint = low; codePoint <= high; codePoint++) {
        expect(escapeHtml(String.fromCodePoint(codePoint))).toMatch(/^(\\u[0-9a-f]{4})+$/);
      }
    }
  });

  it('html`` escapes interpolated values and arrays, keeps nested html`` as markup', () => {
    const attacker = '<script>alert(1)</script>';
    const page = html`<p title="${attacker}">${attacker}${[attacker, html`<b>ok</b>`]}</p>`;
    expect(page.value).not.toContain('<script>');
    expect(page.value).toContain('<b>ok</b>');
    expect(page.value).toContain('title="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('consolePath percent-encodes ids, so an id cannot become a javascript: URL or leave the console', () => {
    expect(consolePath('/console', 'approvals', 'javascript:alert(1)')).toBe(
      '/console/approvals/javascript%3Aalert(1)',
    );
    expect(consolePath('/console', 'approvals', '../../admin')).toBe('/console/approvals/..%2F..%2Fadmin');
  });
});
