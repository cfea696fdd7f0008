import { describe, expect, it } from 'vitest';
import { escapeTerminalBlock, escapeTerminalText } from './terminal.ts';

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

  it('leaves ordinary text, including non-Latin scripts and emoji, alone', () => {
    const text = 'Grüße, 你好, مرحبا 🚀';
    expect(escapeTerminalText(text)).toBe(text);
  });
});
