/**
 * Printing text an attacker wrote (approval payloads, descriptions, reasons, names read from
 * Redis or a log) without letting it drive the operator's terminal.
 *
 * @module
 */

/**
 * Characters a terminal may act on rather than show: C0 controls (ESC starts every escape
 * sequence, CR overwrites a line, BS erases), DEL, C1 controls (U+009B is a one-character CSI,
 * U+009D an OSC), the Unicode line and paragraph separators, and the bidirectional and
 * zero-width formatting characters that make text read differently from what it is.
 */
const FORMATTING = '\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff';
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${FORMATTING}]`, 'gu');
/** The same, keeping line feed (U+000A) and tab (U+0009). */
const UNSAFE_EXCEPT_LAYOUT = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f${FORMATTING}]`, 'gu');

function escapeCharacter(character: string): string {
  return `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
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
  return text.replace(UNSAFE_EXCEPT_LAYOUT, escapeCharacter);
}
