/**
 * Printing text an attacker wrote (approval payloads, descriptions, reasons, names read from
 * Redis or a log, a checkpoint's signer names) without letting it drive the operator's terminal:
 * the rule the `warden` and `warden-audit` commands share.
 *
 * @module
 */

/**
 * Characters a terminal may act on rather than show, or that make text read differently from what
 * it is: every control (C0: ESC starts every escape sequence, CR overwrites a line, BS erases; DEL;
 * C1: U+009B is a one-character CSI, U+009D an OSC), every format character (bidirectional
 * overrides and isolates, zero-width characters, the soft hyphen, and the invisible tag characters
 * U+E0000–U+E007F that can smuggle a whole hidden sentence), the Unicode line and paragraph
 * separators, the Hangul fillers that print as blanks, and the supplementary variation selectors
 * (U+E0100–U+E01EF), which hide arbitrary bytes behind any character.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the variation selectors are listed to be matched alone
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0\u{e0100}-\u{e01ef}]/gu;

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
 * One field of untrusted text, safe to print on one line: every control and formatting
 * character, line feeds included, becomes a visible `\uXXXX` escape, so the text can neither
 * send escape sequences nor forge extra lines of output.
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
