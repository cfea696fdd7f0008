/**
 * Printing text an attacker wrote (approval payloads, descriptions, reasons, names read from
 * Redis or a log, a checkpoint's signer names) without letting it drive the operator's terminal:
 * the rule the `warden` and `warden-audit` commands share.
 *
 * @module
 */
import { INVISIBLE_CHARACTER_CLASS } from './invisible-characters.js';

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
 * - every nonspacing or enclosing combining mark (`Mn`, `Me`): U+0336 strikes `alice` through,
 *   U+20DD rings a word, a stack of them draws over the lines around. A spacing mark (`Mc`, the
 *   Devanagari vowel signs) is left alone: it takes its own room and is seen;
 * - every space separator but the ASCII space (`Zs`: U+00A0, U+2000–U+200A, U+3000…): `bob` and
 *   `bob` + U+00A0 read alike. The negated class `[^\P{Zs} ]` is "a `Zs` that is not U+0020";
 * - lone surrogates (`Cs`), which a UTF-8 stream writes as U+FFFD, so that two different strings
 *   would print alike, and unassigned code points (`Cn`): a character this runtime's Unicode does
 *   not know cannot be shown to be harmless, and a newer terminal may draw it as a mark.
 */
const UNSAFE = new RegExp(
  `[\\p{Cc}\\p{Zl}\\p{Zp}\\p{Mn}\\p{Me}\\p{Cs}\\p{Cn}${INVISIBLE_CHARACTER_CLASS}]|[^\\P{Zs} ]`,
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
 * digits, punctuation, symbols and emoji without a variation selector are printed as they are;
 * a letter written in decomposed form (`e` + U+0301) shows its combining mark as an escape.
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
