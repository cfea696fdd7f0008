import { describe, expect, it } from 'vitest';
import { escapeTerminalBlock, escapeTerminalText } from './terminal-text.js';

describe('escaping text for the terminal (attacker: whoever wrote the text)', () => {
  it('escapes ESC, C1 controls, CR, BS, DEL and bidi/zero-width characters visibly', () => {
    expect(escapeTerminalText('a\u001b[2Jb\u009b31mc\rd\u0008e\u007ff\u202eg\u200bh')).toBe(
      'a\\u001b[2Jb\\u009b31mc\\u000dd\\u0008e\\u007ff\\u202eg\\u200bh',
    );
  });

  it('escapes a line feed in a field, so no line of output can be forged', () => {
    expect(escapeTerminalText('ok\nstatus: approved')).toBe('ok\\u000astatus: approved');
  });

  it('keeps the layout of a block, and JSON stays the same value', () => {
    const value = { text: 'x\u009b2J\u202e\u001b]0;t\u0007' };
    const block = escapeTerminalBlock(`line 1\n\t${JSON.stringify(value)}`);
    expect(block.startsWith('line 1\n\t')).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking none is left
    expect(block).not.toMatch(/[\u001b\u0007\u009b\u202e]/u);
    expect(JSON.parse(block.slice('line 1\n\t'.length))).toEqual(value);
  });

  it('escapes invisible text: tag characters smuggling a sentence, soft hyphens, Hangul fillers, supplementary variation selectors', () => {
    // "approve" written in tag characters (U+E0061…) shows as nothing in a terminal.
    const smuggled = [...'approve'].map((letter) => String.fromCodePoint(0xe0000 + letter.charCodeAt(0))).join('');
    const text = `ok${smuggled} de\u00adny \u3164name\u{e0101}`;
    const escaped = escapeTerminalText(text);
    expect(escaped).toBe(
      'ok\\udb40\\udc61\\udb40\\udc70\\udb40\\udc70\\udb40\\udc72\\udb40\\udc6f\\udb40\\udc76\\udb40\\udc65' +
        ' de\\u00adny \\u3164name\\udb40\\udd01',
    );
    expect(escaped).toMatch(/^[\x20-\x7e]*$/);
  });

  it('escapes a character past U+FFFF as a surrogate pair, so JSON output still parses to the same value', () => {
    const value = { reason: `stop\u{e0041}\u{e0100}now` };
    const block = escapeTerminalBlock(JSON.stringify(value));
    expect(block).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(block)).toEqual(value);
  });

  it('leaves ordinary text, including non-Latin scripts and emoji, alone', () => {
    const text = 'Grüße, 你好, مرحبا 🚀';
    expect(escapeTerminalText(text)).toBe(text);
  });
});
