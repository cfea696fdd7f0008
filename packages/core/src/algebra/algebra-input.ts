/**
 * Small validators for the algebra's inputs (grant parameters, restrictions, attestations,
 * snapshots). Hand-written rather than zod because `grant` is called in bulk when an app loads its
 * grants; each collects every problem with its field path before failing.
 *
 * @module
 */
import { type InputIssue, InvalidInputError } from '../errors.js';

/** Collects problems found while reading one input. */
export type IssueList = InputIssue[];

/** Throws {@link InvalidInputError} naming every collected problem, if there is any. */
export function throwIfIssues(issues: IssueList, what: string): void {
  if (issues.length === 0) return;
  const summary = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
  throw new InvalidInputError({ message: `Invalid ${what}: ${summary}`, issues });
}

/** True for `{}`-style objects (not arrays, class instances or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * `value[key]` when it is the object's own property, else `undefined`: a field the caller never
 * set reads as absent even when some other library has set it on `Object.prototype` (or, for an
 * array's hole, on `Array.prototype`). A getter runs once per call; each field is read once.
 */
export function ownField(value: object, key: string | number): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string | number, unknown>)[key] : undefined;
}

/** Reads a non-empty string. */
export function readString(value: unknown, path: string, issues: IssueList): string {
  if (typeof value === 'string' && value.length > 0) return value;
  issues.push({ path, message: 'must be a non-empty string' });
  return '';
}

/** Reads a string, `null`, or (when absent) `null`. */
export function readOptionalString(value: unknown, path: string, issues: IssueList): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  issues.push({ path, message: 'must be a string or null' });
  return null;
}

/** Reads a finite number. */
export function readFiniteNumber(value: unknown, path: string, issues: IssueList): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  issues.push({ path, message: 'must be a finite number' });
  return 0;
}

/** Reads a finite number or `null`; absent reads as `null`. */
export function readOptionalTime(value: unknown, path: string, issues: IssueList): number | null {
  if (value === undefined || value === null) return null;
  return readFiniteNumber(value, path, issues);
}

/** Reads a boolean; absent reads as `fallback`. */
export function readBoolean(value: unknown, path: string, issues: IssueList, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  issues.push({ path, message: 'must be a boolean' });
  return fallback;
}

/** Reads an array of non-empty strings (a frozen copy). */
export function readStringArray(value: unknown, path: string, issues: IssueList): readonly string[] {
  if (!Array.isArray(value)) {
    issues.push({ path, message: 'must be an array of strings' });
    return [];
  }
  const copy: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const item = ownField(value, index);
    if (typeof item === 'string' && item.length > 0) copy.push(item);
    else issues.push({ path: `${path}.${index}`, message: 'must be a non-empty string' });
  }
  return Object.freeze(copy);
}

const MAX_JSON_DEPTH = 16;

/**
 * Copies a JSON value (null, booleans, strings, finite numbers, arrays, plain objects), frozen all
 * the way down, so that later changes to the caller's object cannot reach the algebra. Only own
 * enumerable keys are copied; read the copy's fields with {@link ownField}.
 */
export function copyJsonValue(value: unknown, path: string, issues: IssueList, depth = 0): unknown {
  if (isJsonPrimitive(value)) return value;
  if (typeof value === 'number') return invalidJson(path, issues);
  if (depth >= MAX_JSON_DEPTH) return invalidJson(path, issues);
  if (Array.isArray(value)) {
    return Object.freeze(value.map((item, index) => copyItem(item, path, index, issues, depth)));
  }
  if (!isPlainObject(value)) return invalidJson(path, issues);
  // Own keys only, and whoever reads the copy reads its fields with `ownField`: a parameter the
  // caller never gave (a condition's `value`, a window's `end`) stays absent whatever
  // Object.prototype holds. A plain object, not a null-prototype one, keeps V8's fast layout
  // (a null-prototype object is a hash table: more memory per constraint, slower to build).
  const copy: Record<string, unknown> = {};
  // Indexed, not `for…of`: grants run this in bulk, mostly before V8 optimizes it.
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    const item = value[key];
    if (item === undefined) continue;
    const copied = copyItem(item, path, key, issues, depth);
    // A "__proto__" key must become an own property, not replace the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copied, enumerable: true });
    else copy[key] = copied;
  }
  return Object.freeze(copy);
}

/** Copies `value[key]`; its path is built only when it is not a valid primitive (most are). */
function copyItem(item: unknown, path: string, key: string | number, issues: IssueList, depth: number): unknown {
  return isJsonPrimitive(item) ? item : copyJsonValue(item, `${path}.${key}`, issues, depth + 1);
}

function isJsonPrimitive(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true;
  return typeof value === 'number' && Number.isFinite(value);
}

function invalidJson(path: string, issues: IssueList): null {
  issues.push({ path, message: 'must be a JSON value (finite numbers, strings, booleans, null, arrays, objects)' });
  return null;
}
