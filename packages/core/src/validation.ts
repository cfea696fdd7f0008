/**
 * Input validation at trust boundaries: zod schemas turned into {@link InvalidInputError}s
 * that name the offending field.
 *
 * @module
 */
import type { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * Parses `value` with `schema`, or throws {@link InvalidInputError} listing every field at fault.
 *
 * @param what names the input in the error message, for example `"sandbox constraints"`.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
  throw new InvalidInputError({ message: `Invalid ${what}: ${summary}`, issues, cause: result.error });
}

/**
 * True when `text` holds a control character (C0, DEL or C1, such as a terminal's ESC and CSI) or
 * a Unicode line or paragraph separator. In a name or label that people read, in a log, a
 * terminal or a console, one can rewrite the line it stands on or add lines of its own.
 */
export function hasControlCharacters(text: string): boolean {
  return /[\p{Cc}\u2028\u2029]/u.test(text);
}

/** `text` without the characters {@link hasControlCharacters} finds. */
export function withoutControlCharacters(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, '');
}

/**
 * True when `text` holds an explicit bidirectional control: the embeddings, overrides and isolates
 * (U+202A to U+202E, U+2066 to U+2069) and the directional marks (U+061C, U+200E, U+200F). They
 * are invisible, and in free text that people read (a kill switch's reason, in a log, a terminal
 * or a console) one reorders what follows it, so the text reads as something it does not say.
 * {@link hasControlCharacters} leaves them alone: names may carry them legitimately.
 */
export function hasBidiControls(text: string): boolean {
  return /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(text);
}

/**
 * The bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069): what
 * an approval workflow refuses in a name (`p2p:` U+202E `ecila` shows as `p2p:alice`). Unlike
 * {@link hasBidiControls}, the directional marks are left alone: right-to-left names carry them,
 * and they reorder no letters.
 */
const BIDI_OVERRIDE = /[\u202a-\u202e\u2066-\u2069]/u;
const BIDI_OVERRIDES = new RegExp(BIDI_OVERRIDE.source, 'gu');

/** True when `text` holds a bidirectional embedding, override or isolate (see {@link withoutBidiOverrides}). */
export function hasBidiOverrides(text: string): boolean {
  return BIDI_OVERRIDE.test(text);
}

/**
 * `text` without its bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066
 * to U+2069), the characters an approval workflow refuses in a name; the directional marks
 * (U+061C, U+200E, U+200F) stay, as right-to-left names carry them.
 */
export function withoutBidiOverrides(text: string): string {
  return text.replace(BIDI_OVERRIDES, '');
}

/**
 * True when `text` is one line of plain text: no control character or line separator
 * ({@link hasControlCharacters}) and no bidirectional control ({@link hasBidiControls}). The one
 * rule for free text shown as it is in events, logs, terminals and the console: kill switch
 * reasons and actors are refused on write unless they pass it, and adapters reading one back from
 * a store someone else can write judge it by the same rule, so writer and reader cannot disagree.
 */
export function isPlainLine(text: string): boolean {
  return !hasControlCharacters(text) && !hasBidiControls(text);
}

/**
 * True when `text` is well-formed Unicode: it holds no lone surrogate (half of a character beyond
 * U+FFFF, as a UI cutting a string in the middle of an emoji leaves). Such text has no UTF-8 form,
 * so a backend storing UTF-8 (Redis, a file, a database) reads back U+FFFD in its place, and what
 * is read or signed is not what was written. Kill switch reasons and actors are refused unless
 * they pass it, and adapters reading one back use the same predicate.
 */
export function isWellFormedText(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

/**
 * A plain object's own enumerable fields in an object without a prototype (anything else as it
 * is): what a factory reads its options from, so that an option the caller did not give reads as
 * unset, never as a value another library put on `Object.prototype` (`failMode: 'open'`,
 * `allowSkipApproval: true`). A strict schema run on the copy sees the caller's keys only, and
 * its output, copied again, has no prototype to fall through to for the optional keys it leaves out.
 *
 * @example
 * const parsed = ownOptions(parseInput(configSchema, ownOptions(config), 'my config'));
 */
export function ownOptions<Value>(value: Value): Value {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.assign(Object.create(null) as Value & object, value);
}

/**
 * Throws `INVALID_INPUT` for options that are neither `undefined` nor an object, and names the
 * first own key of `options` that is not in `known`: a misspelt setting (`auditAlowed`,
 * `onEror`) must not leave a security setting at its default without a word. Inherited keys are
 * not looked at (the reader reads own fields only).
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) naming the option at fault.
 */
export function assertKnownOptions(options: unknown, known: readonly string[], what: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidInputError({
      message: `Invalid ${what}: must be an object of options`,
      issues: [{ path: '', message: 'must be an object of options' }],
    });
  }
  for (const key of Object.getOwnPropertyNames(options)) {
    if (known.includes(key)) continue;
    throw new InvalidInputError({
      message: `Invalid ${what}: ${key} is not an option (known: ${known.join(', ')})`,
      issues: [{ path: key, message: 'is not an option' }],
    });
  }
}

/**
 * `value[key]` when `value` is an object holding `key` itself, else `undefined`. A field read
 * through the prototype chain would let a polluted `Object.prototype` supply a decision's input
 * (a score, a flag, a usage count) that the caller never gave.
 */
export function ownProperty(value: unknown, key: PropertyKey): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<PropertyKey, unknown>)[key]
    : undefined;
}
