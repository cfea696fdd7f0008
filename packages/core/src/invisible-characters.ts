/**
 * The one definition of characters that show nothing, shared by every rule that must not be
 * fooled by them: the approval identity key (which removes them), the `scope-restriction` path
 * check (which drops them before looking for `.` and `..` segments, as a consumer that strips
 * them would) and the terminal-text escaper (which shows them as escapes).
 *
 * @module
 */

/**
 * Characters drawn as nothing (or as a blank) that are neither format characters (`Cf`) nor
 * default-ignorable, so those classes miss them. Each is a symbol or mark whose glyph is empty by
 * design:
 * - U+2800 BRAILLE PATTERN BLANK: a braille cell with no dots, drawn as a space, yet neither
 *   whitespace (`trim` keeps it) nor default-ignorable;
 * - U+16FE4 KHITAN SMALL SCRIPT FILLER: a combining mark that only pads a Khitan character
 *   cluster, with no glyph of its own;
 * - U+1D159 MUSICAL SYMBOL NULL NOTEHEAD: a notehead that is empty (a placeholder for stems and
 *   flags), which fonts draw as nothing.
 * The Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) are default-ignorable and go with that class.
 */
const BLANK_SYMBOLS: readonly string[] = ['\u2800', '\u{16FE4}', '\u{1D159}'];

/**
 * The body of a regular-expression character class (for a `u`-flag expression) matching every
 * invisible character: the default-ignorable ones (zero-width spaces and joiners, soft hyphen,
 * variation selectors, Hangul fillers, tag characters…), every format character (`Cf`: browsers
 * draw the interlinear annotation anchors U+FFF9–U+FFFB and the Egyptian hieroglyph format
 * controls as nothing, though they are not default-ignorable) and the {@link BLANK_SYMBOLS}.
 * A string, not a `RegExp`, so that each user builds its own expression with its own flags and
 * no `lastIndex` state is shared between modules.
 */
export const INVISIBLE_CHARACTER_CLASS: string = `\\p{Default_Ignorable_Code_Point}\\p{Cf}${BLANK_SYMBOLS.join('')}`;
