/**
 * Printing text an attacker wrote (approval payloads, descriptions, reasons, names read from
 * Redis or a log, a checkpoint's signer names) without letting it drive the operator's terminal:
 * the rule the `warden` and `warden-audit` commands share.
 *
 * @module
 */
import { INVISIBLE_CHARACTER_CLASS } from './invisible-characters.js';

/**
 * The combining-mark blocks no script owns (`Script=Inherited`, drawn on a letter of any script):
 * Combining Diacritical Marks and their Extended and Supplement blocks, the marks for symbols and
 * the half marks. Written text needs none of them in its composed (NFC) form.
 */
const GENERIC_DIACRITICS = '\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f';
/** A nonspacing mark of a script's own: one outside {@link GENERIC_DIACRITICS}. */
const SCRIPT_MARK = `(?![${GENERIC_DIACRITICS}])\\p{Mn}`;
/** A visible letter or spacing mark a script's mark may sit on (not a Hangul filler, say). */
const VISIBLE_BASE = `(?![${INVISIBLE_CHARACTER_CLASS}])[\\p{L}\\p{Mc}]`;

/**
 * Characters a terminal may act on rather than show, or that make text read differently from what
 * it is, each printed as an escape:
 * - every control (`Cc`; C0: ESC starts every escape sequence, CR overwrites a line, BS erases;
 *   DEL; C1: U+009B is a one-character CSI, U+009D an OSC) and the Unicode line and paragraph
 *   separators (`Zl`, `Zp`);
 * - every invisible character ({@link INVISIBLE_CHARACTER_CLASS}): format characters
 *   (bidirectional overrides and isolates, zero-width characters, the soft hyphen, the tag
 *   characters U+E0000–U+E007F that smuggle a whole hidden sentence), the default-ignorable ones
 *   (Hangul fillers U+115F, U+1160, U+3164, U+FFA0; variation selectors U+FE00–U+FE0F and
 *   U+E0100–U+E01EF, which hide arbitrary bytes behind any character) and the blank symbols
 *   (braille blank U+2800, Khitan filler U+16FE4, null notehead U+1D159);
 * - every enclosing combining mark (`Me`: U+20DD rings a word, U+20E3 a keycap) and every mark of
 *   the blocks of diacritics any script may borrow ({@link GENERIC_DIACRITICS}: U+0336 strikes
 *   `alice` through, U+0307 puts a second dot on an `i`, a stack of them draws over the lines
 *   around);
 * - a nonspacing mark of a script's own (a Thai vowel or tone mark, a Devanagari virama, Arabic
 *   harakat, Hebrew points) unless it sits on a visible letter or spacing mark, with at most two
 *   such marks before it: on its letter it is how that script is written and it is seen; alone,
 *   after a space or a digit, or as the fourth of a stack, it draws over something else;
 * - every space separator but the ASCII space (`Zs`: U+00A0, U+2000–U+200A, U+3000…): `bob` and
 *   `bob` + U+00A0 read alike. The negated class `[^\P{Zs} ]` is "a `Zs` that is not U+0020";
 * - lone surrogates (`Cs`), which a UTF-8 stream writes as U+FFFD, so that two different strings
 *   would print alike, and unassigned code points (`Cn`): a character this runtime's Unicode does
 *   not know cannot be shown to be harmless, and a newer terminal may draw it as a mark.
 */
const UNSAFE = new RegExp(
  `[\\p{Cc}\\p{Zl}\\p{Zp}\\p{Me}\\p{Cs}\\p{Cn}${GENERIC_DIACRITICS}${INVISIBLE_CHARACTER_CLASS}]|[^\\P{Zs} ]|` +
    `(?<!${VISIBLE_BASE}(?:${SCRIPT_MARK}){0,2})\\p{Mn}`,
  'gu',
);

/**
 * `\uXXXX` for each UTF-16 code unit of `character`: a surrogate pair for a character past U+FFFF,
 * so that inside a JSON string the escape is still valid and stands for the same character.
 */
function escapeCharacter(character: string): string {
  let escaped = '';
  for (let index = 0; index < character.length; index++) {
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

/**
 * One field of untrusted text, safe to print on one line: every control, format or invisible
 * character, combining mark and blank other than the ASCII space (see the README), line feeds
 * included, becomes a visible `\uXXXX` escape, so the text can neither send escape sequences,
 * forge extra lines of output, nor hide or disguise part of itself. Letters of every script,
 * digits, punctuation, symbols and emoji without a variation selector are printed as they are,
 * and so are a script's own marks on their letters (Thai, Devanagari, Arabic, Hebrew); a letter
 * written in decomposed form (`e` + U+0301) shows its combining mark as an escape.
 */
export function escapeTerminalText(text: string): string {
  return text.replace(UNSAFE, escapeCharacter);
}

/**
 * A whole block of output: escapes what {@link escapeTerminalText} escapes except line feeds and
 * tabs, which the command itself lays out with. Inside JSON every escaped character sits in a
 * string (JSON has no other place for it), where `\uXXXX` is a valid escape of the same
 * character, so the output still parses to the same value.
 */
export function escapeTerminalBlock(text: string): string {
  return text.replace(UNSAFE, (character) =>
    character === '\n' || character === '\t' ? character : escapeCharacter(character),
  );
}
