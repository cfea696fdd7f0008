/**
 * Printing what a log holds (signer names and messages from its checkpoints, a bundle file's
 * text) without letting it drive the operator's terminal: whoever can write the log's files
 * chooses those characters.
 *
 * @module
 */

/**
 * Characters a terminal may act on rather than show, or that make text read differently from
 * what it is: every control (ESC starts escape sequences, U+009B is a one-character CSI, CR
 * overwrites a line), every format character (bidirectional overrides, zero-width and tag
 * characters), the line and paragraph separators, the Hangul fillers that print as blanks and the
 * supplementary variation selectors. The same set as the `warden` command's.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the variation selectors are listed to be matched alone
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0\u{e0100}-\u{e01ef}]/gu;

/** `\uXXXX` for each UTF-16 code unit, so that inside a JSON string it stands for the same character. */
function escapeCharacter(character: string): string {
  let escaped = '';
  for (let index = 0; index < character.length; index++) {
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

/**
 * Output safe to print: every character {@link UNSAFE} matches becomes a visible `\uXXXX`
 * escape, except the line feeds the command lays its lines out with. Inside JSON such a
 * character can only sit in a string, where the escape is valid and means the same character, so
 * `--json` output still parses to the same report.
 */
export function escapeTerminalOutput(text: string): string {
  return text.replace(UNSAFE, (character) => (character === '\n' ? character : escapeCharacter(character)));
}
