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

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (character) => replacements[character] ?? character);
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
