import fc from 'fast-check';
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

  it('leaves letters of every script, digits, punctuation, symbols and emoji without selectors alone', () => {
    const text =
      'José Ñandú Ærøskøbing Łódź İstanbul Привет Γειά שלום مرحبا こんにちは 한국어 你好 ქართული Ելք ' +
      'नमकीन ไทย 123 ٣٤٥ ½ ¿¡ «»—–…‘’“” @#$%^&*()[]{}<>|~`+=_-/\\:;\'",.!? € ₹ © ™ → ∀ 🚀 👍🏽 🇫🇷 😀';
    expect(escapeTerminalText(text)).toBe(text);
    expect(escapeTerminalBlock(`${text}\n\t${text}`)).toBe(`${text}\n\t${text}`);
  });
});

/**
 * Characters that hide or disguise text and that the escaper passed through before: the attacker
 * writes a name, a reason or a payload with one of them, and the operator reads something else.
 */
const DISGUISES: readonly [string, string][] = [
  ['a combining acute accent (U+0301)', '\u0301'],
  ['a combining long stroke overlay, striking a name through (U+0336)', '\u0336'],
  ['a combining grapheme joiner (U+034F)', '\u034f'],
  ['a combining enclosing circle, ringing a word (U+20DD)', '\u20dd'],
  ['a combining enclosing keycap (U+20E3)', '\u20e3'],
  ['variation selector 1 (U+FE00)', '\ufe00'],
  ['variation selector 16 (U+FE0F)', '\ufe0f'],
  ['a supplementary variation selector (U+E0100)', '\u{e0100}'],
  ['the last supplementary variation selector (U+E01EF)', '\u{e01ef}'],
  ['a Mongolian free variation selector (U+180B)', '\u180b'],
  ['the tag letter a (U+E0061)', '\u{e0061}'],
  ['the cancel tag (U+E007F)', '\u{e007f}'],
  ['the Hangul choseong filler (U+115F)', '\u115f'],
  ['the Hangul jungseong filler (U+1160)', '\u1160'],
  ['the Hangul filler (U+3164)', '\u3164'],
  ['the halfwidth Hangul filler (U+FFA0)', '\uffa0'],
  ['the braille pattern blank (U+2800)', '\u2800'],
  ['the Khitan small script filler (U+16FE4)', '\u{16fe4}'],
  ['the musical symbol null notehead (U+1D159)', '\u{1d159}'],
  ['a Khmer inherent vowel (U+17B4)', '\u17b4'],
  ['a no-break space (U+00A0)', '\u00a0'],
  ['the Ogham space mark (U+1680)', '\u1680'],
  ['an en quad (U+2000)', '\u2000'],
  ['a hair space (U+200A)', '\u200a'],
  ['a narrow no-break space (U+202F)', '\u202f'],
  ['a medium mathematical space (U+205F)', '\u205f'],
  ['an ideographic space (U+3000)', '\u3000'],
  ['a lone high surrogate (written as U+FFFD)', '\ud800'],
  ['an unassigned code point (U+50000)', '\u{50000}'],
];

/** `\uXXXX` for each UTF-16 code unit: how the escaper must show `character`. */
function visibleEscape(character: string): string {
  return [...Array(character.length).keys()]
    .map((index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`)
    .join('');
}

describe('escaping characters that hide or disguise text (attacker: whoever wrote the text)', () => {
  it.each(DISGUISES)('escapeTerminalText prints %s as a visible escape, never raw', (_what, character) => {
    const text = `alice${character}bob`;
    expect(escapeTerminalText(text)).toBe(`alice${visibleEscape(character)}bob`);
  });

  it.each(DISGUISES)('escapeTerminalBlock prints %s as a visible escape, never raw', (_what, character) => {
    const text = `alice${character}\nbob`;
    expect(escapeTerminalBlock(text)).toBe(`alice${visibleEscape(character)}\nbob`);
  });

  it('keeps JSON output parsing to the same value with every disguise in it', () => {
    const value = { requester: `bob${DISGUISES.map(([, character]) => character).join('x')}`, note: 'é' };
    const printed = escapeTerminalBlock(JSON.stringify(value, null, 2));
    expect(printed).toMatch(/^[\x20-\x7e\n]*é[\x20-\x7e\n]*$/u);
    expect(JSON.parse(printed)).toEqual(value);
  });
});

/**
 * What must never reach the terminal raw, written independently of the escaper: controls (C0,
 * DEL, C1), bidirectional controls, default-ignorable and format characters, separators,
 * enclosing marks and the diacritics any script borrows (U+0300–U+036F and the like), blanks
 * other than the ASCII space, the blank symbols, lone surrogates and unassigned code points; and a
 * script's own nonspacing mark anywhere but on a visible letter (or spacing mark) with at most two
 * other marks between.
 */
const NEVER_RAW =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks are listed to be matched alone
  /[\p{Cc}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Me}\p{Cs}\p{Cn}\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u2800\u{16fe4}\u{1d159}]|[^\P{White_Space} ]|[^\P{Zs} ]|(?<![\p{L}\p{Mc}]\p{Mn}{0,2})\p{Mn}/u;

/** Any character, with the dangerous classes drawn often enough that every run meets them. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.constantFrom(...DISGUISES.map(([, character]) => character)),
    fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) =>
      // Lone surrogates too, which String.fromCodePoint gives for U+D800–U+DFFF.
      String.fromCodePoint(codePoint),
    ),
    fc.integer({ min: 0x0300, max: 0x036f }).map((codePoint) => String.fromCodePoint(codePoint)),
  ),
  maxLength: 40,
});

describe("a script's own marks on their letters print as written; anywhere else they are escaped", () => {
  it('prints Thai, Hindi, Arabic with harakat, Hebrew with points and Khmer as they are', () => {
    const text = 'สวัสดีครับ สั่ง नमस्ते हिन्दी مُحَمَّد שָׁלוֹם ព្រះ';
    expect(escapeTerminalText(text)).toBe(text);
    expect(escapeTerminalBlock(`${text}\n${text}`)).toBe(`${text}\n${text}`);
  });

  it.each([
    ['at the start of the text', '\u0e31abc', '\\u0e31abc'],
    ['after a space', 'bob \u0e31', 'bob \\u0e31'],
    ['after a digit', '1\u0e48', '1\\u0e48'],
    ['after a Hangul filler (a letter that shows nothing)', '\u3164\u0e31', '\\u3164\\u0e31'],
    ['as the fourth mark of a stack', 'ส\u0e31\u0e48\u0e31\u0e48', 'ส\u0e31\u0e48\u0e31\\u0e48'],
    ['after a borrowed diacritic that was escaped', 'e\u0301\u0e31', 'e\\u0301\\u0e31'],
  ])('a Thai mark %s is escaped', (_where, text, printed) => {
    expect(escapeTerminalText(text)).toBe(printed);
  });

  it('escapes a borrowed diacritic even on a letter: a second dot on an i, a strike through a name', () => {
    expect(escapeTerminalText('ali\u0307ce')).toBe('ali\\u0307ce');
    expect(escapeTerminalText('a\u0336l\u0336')).toBe('a\\u0336l\\u0336');
  });
});

describe('escaped output never holds a hiding or disguising character (property)', () => {
  it('escapeTerminalText: nothing from NEVER_RAW survives, and the escapes decode to the input', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const escaped = escapeTerminalText(text);
        expect(escaped).not.toMatch(NEVER_RAW);
        if (!text.includes('\\')) {
          const decoded = escaped.replace(/\\u([0-9a-f]{4})/g, (_escape, hex: string) =>
            String.fromCharCode(Number.parseInt(hex, 16)),
          );
          expect(decoded).toBe(text);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('escapeTerminalBlock: only line feeds and tabs are kept among the controls', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const escaped = escapeTerminalBlock(text);
        expect(escaped.replace(/[\n\t]/g, '')).not.toMatch(NEVER_RAW);
      }),
      { numRuns: 2000 },
    );
  });
});
