/**
 * HTML built only through {@link html}: every interpolated value is escaped unless it is already
 * {@link SafeHtml} made by this module. Payloads shown by the console come from peers, agents
 * and MCP servers, so nothing they send may become markup.
 *
 * @module
 */

/** Markup that is safe to emit as it is (built by {@link html} from escaped parts). */
export class SafeHtml {
  /** @param value markup whose every variable part was escaped. */
  constructor(readonly value: string) {}

  /** The markup. */
  toString(): string {
    return this.value;
  }
}

const replacements: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Characters that change how text reads without being seen, as a regular-expression character
 * class (with the `u` flag): C0 controls but tab and line feed, DEL and the C1 controls, the line
 * and paragraph separators, the bidirectional controls (U+202E shows the rest of a line backwards,
 * so `rm -rf` can read as something harmless), every format character (`\p{Cf}`: zero-width
 * characters, invisible operators, the musical, shorthand and hieroglyph format controls) and
 * every default-ignorable code point (`\p{Default_Ignorable_Code_Point}`: the Hangul fillers,
 * variation selectors, tag characters, and the unassigned ones Unicode reserves as invisible, so a
 * character assigned later is escaped already), and the blanks that print like a space but are
 * not one: U+00A0, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000, the braille blank U+2800 and
 * the blank symbols U+16FE4 and U+1D159 (`alice` and `alice` + U+00A0 read the same, and so do
 * `rm -rf /tmp/a` and a single word with U+00A0 where a space seems to be). This is a superset of the ranges `@warden/mcp` flags in tool definitions,
 * so a definition it flags never shows here with its hidden character still hidden. Shared with
 * the page script, which writes polled text the same way.
 */
export const HIDDEN_CHARACTERS_PATTERN: string =
  '[\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u00a0\\u1680' +
  '\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u2800\\u3000\\u{16fe4}\\u{1d159}]';

const hiddenCharacters = new RegExp(HIDDEN_CHARACTERS_PATTERN, 'gu');

/** `\uXXXX` for each UTF-16 unit of `character` (a surrogate pair for a tag character), as JSON writes escapes. */
function visibleEscape(character: string): string {
  let out = '';
  for (let index = 0; index < character.length; index++) {
    out += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/**
 * Text with every hidden character (see {@link HIDDEN_CHARACTERS_PATTERN}) shown as a visible
 * `\uXXXX` escape, so the operator sees what a payload really holds. Inside JSON the escape is
 * JSON's own, so a pretty-printed payload still reads as exactly the payload.
 */
function showHiddenCharacters(text: string): string {
  return text.replace(hiddenCharacters, visibleEscape);
}

/**
 * Escapes text for an HTML element body or a quoted attribute value. Hidden characters become
 * visible escapes too: every value the console shows may come from an attacker.
 */
export function escapeHtml(text: string): string {
  return showHiddenCharacters(text).replace(/[&<>"'`]/g, (character) => replacements[character] ?? character);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template tag: the literal parts are markup, every `${value}` is escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let index = 0; index < values.length; index++) {
    out += render(values[index] as Interpolation) + (strings[index + 1] ?? '');
  }
  return new SafeHtml(out);
}

/**
 * A value for an `href` or `action` built from the console's own base path and path segments:
 * each segment is percent-encoded, so an attacker-chosen id can never make a `javascript:` URL
 * or leave the console's path.
 */
export function consolePath(basePath: string, ...segments: string[]): string {
  return `${basePath}/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}

/** Pretty-printed JSON of any value, for a `<pre>` (escaped by {@link html} when interpolated). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'undefined';
  } catch {
    return String(value);
  }
}
