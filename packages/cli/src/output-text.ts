/**
 * What the command prints, escaped: core's terminal-text rule, plus the characters that rule
 * leaves as they are but that make a stored name, id or reason read as something else.
 *
 * @module
 */
import { escapeTerminalBlock } from '@warden/core';

/**
 * Characters core's `escapeTerminalText` passes through that hide or disguise text: nonspacing
 * and enclosing combining marks (U+0336 strikes `alice` through, U+20DD rings a word, a stack of
 * them draws over the lines around), which include every variation selector (U+FE00–U+FE0F, and
 * U+E0100–U+E01EF that core already escapes), and the blanks that print like a space but are not
 * one (U+00A0, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000, the braille blank U+2800): `bob`
 * and `bob` + U+00A0 read the same. A spacing mark (Devanagari vowel signs) is left alone: it is
 * seen. The price is that text written in a decomposed form (`e` + U+0301) shows its marks as
 * escapes too.
 */
const DISGUISING = /[\p{Mn}\p{Me}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2800]/gu;

/** `\uXXXX` for each UTF-16 code unit, as core writes its escapes (valid inside a JSON string). */
function escapeCharacter(character: string): string {
  let escaped = '';
  for (let index = 0; index < character.length; index++) {
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

/**
 * A block of output made safe to print: core's `escapeTerminalBlock` (controls, format
 * characters, line separators; line feeds and tabs kept for layout), then the combining marks,
 * variation selectors and look-alike blanks of {@link DISGUISING} as `\uXXXX`. Inside JSON these
 * characters only ever sit in strings, where the escape stands for the same character.
 */
export function escapeOutput(text: string): string {
  return escapeTerminalBlock(text).replace(DISGUISING, escapeCharacter);
}
