/**
 * Capability constraints: their kinds and outcome codes, validating their parameters, and matching
 * scope-restriction paths. Evaluation (in `algebra-constraint-plan.ts`) fails closed: a missing
 * input, a non-number usage, a clock that returns NaN, or an unknown constraint type all deny.
 *
 * @module
 */
import type { InputIssue } from '../errors.js';
import { INVISIBLE_CHARACTER_CLASS } from '../invisible-characters.js';
import {
  copyJsonValue,
  type IssueList,
  isPlainObject,
  ownField,
  readFiniteNumber,
  readString,
} from './algebra-input.js';
import type { CapabilityConstraint } from './algebra-types.js';

/** Constraint kinds, as numbers for the check path. */
export const TIME_WINDOW = 0;
/** See {@link TIME_WINDOW}. */
export const RATE_LIMIT = 1;
/** See {@link TIME_WINDOW}. */
export const BUDGET = 2;
/** See {@link TIME_WINDOW}. */
export const CONDITION = 3;
/** See {@link TIME_WINDOW}. */
export const SCOPE_RESTRICTION = 4;
/** See {@link TIME_WINDOW}. */
export const UNKNOWN = 5;
const KIND_NAMES = ['time-window', 'rate-limit', 'budget', 'condition', 'scope-restriction'] as const;

/** Evaluation outcome: every constraint holds. */
export const SATISFIED = 0;
/** Outcome codes at or above this number name a failed constraint (see {@link constraintFailureReason}). */
export const CONSTRAINT_FAILURE_BASE = 16;
/** One past the largest constraint failure code. */
export const CONSTRAINT_FAILURE_END: number = CONSTRAINT_FAILURE_BASE + (UNKNOWN + 1) * 2;

/** The outcome code for a constraint of `kind` that does not hold. */
export function notSatisfied(kind: number): number {
  return CONSTRAINT_FAILURE_BASE + kind * 2;
}

/** The outcome code for a constraint of `kind` whose input is missing from the check context. */
export function inputMissing(kind: number): number {
  return CONSTRAINT_FAILURE_BASE + kind * 2 + 1;
}

/** A human-readable reason for a constraint failure code. */
export function constraintFailureReason(code: number): string {
  const offset = code - CONSTRAINT_FAILURE_BASE;
  const kind = offset >> 1;
  const name = KIND_NAMES[kind];
  if (name === undefined) return 'Denied by a constraint of unknown type';
  if (offset & 1) return `Constraint "${name}" needs ${CONTEXT_INPUTS[kind]} in the check context`;
  return `Constraint "${name}" is not satisfied`;
}

const CONTEXT_INPUTS = ['', 'currentUsage', 'budgetUsed', 'its key', 'targetResource'];

/** Drops trailing slashes (but keeps a lone `/`). */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === SLASH) end--;
  return path.slice(0, end);
}

const SLASH = 47;

/**
 * True when `target` is `pattern` or lies below it, by whole `/`-separated segments: `/src`
 * covers `/src` and `/src/a`, not `/src-secret`. A target with a segment that is, or that a
 * consumer could decode or normalise into, `.` or `..` never matches: `/src/../secret`,
 * `/src/%2e%2e/secret`, `/src/‥/x` (U+2025), `/src/．．/x` (fullwidth), `/src/.. /x`,
 * `/src/..;x/secret` (a path parameter), `/src/.\u200b./x` (an invisible character), a segment
 * with a control character (a URL parser drops tabs and newlines: `.\t.` becomes `..`), an
 * encoded separator (`%2f`, `%5c`), a backslash or a malformed `%` escape.
 */
export function pathWithin(target: string, pattern: string): boolean {
  if (hasDotSegment(target) || !target.startsWith(pattern)) return false;
  if (target.length === pattern.length) return true;
  return pattern.charCodeAt(pattern.length - 1) === SLASH || target.charCodeAt(pattern.length) === SLASH;
}

/** True when a `/`-separated path has a segment that is or may become `.` or `..` (see {@link pathWithin}). */
function hasDotSegment(path: string): boolean {
  let segmentStart = 0;
  let plain = true;
  for (let index = 0; index <= path.length; index++) {
    if (index < path.length) {
      const code = path.charCodeAt(index);
      if (code !== SLASH) {
        // Anything that decoding, Unicode normalisation or dropping a character could turn into
        // a dot or a separator: escapes, backslashes, non-ASCII and control characters.
        if (code === PERCENT || code === BACKSLASH || code > 127 || code < 32 || code === DEL) plain = false;
        continue;
      }
    }
    if (plain ? isDotSegment(path, segmentStart, index) : isUnsafeSegment(path.slice(segmentStart, index))) {
      return true;
    }
    segmentStart = index + 1;
    plain = true;
  }
  return false;
}

/**
 * A segment made only of dots and spaces (`.`, `..`, `.. `, `...`), up to a `;`: servers such as
 * Tomcat drop a path parameter (`..;x` is `..` to them).
 */
function isDotSegment(path: string, start: number, end: number): boolean {
  let dots = 0;
  for (let index = start; index < end; index++) {
    const code = path.charCodeAt(index);
    if (code === SEMICOLON) break;
    if (code === DOT) dots++;
    else if (code !== SPACE) return false;
  }
  return dots > 0;
}

/**
 * A segment with escapes, non-ASCII or control characters: decoded and normalised until it
 * settles. Control characters deny outright; invisible characters (default-ignorable and format
 * characters, blank symbols) are dropped before looking for dots, as a consumer that strips them
 * would.
 */
function isUnsafeSegment(segment: string): boolean {
  let current = segment;
  for (let round = 0; round < 4; round++) {
    const normalised = current.normalize('NFKC').replace(INVISIBLE, '');
    if (UNSAFE_CHARACTER.test(normalised)) return true;
    if (isDotSegment(normalised, 0, normalised.length)) return true;
    if (!normalised.includes('%')) return false;
    try {
      current = decodeURIComponent(normalised);
    } catch {
      return true;
    }
    if (current === normalised) return false;
  }
  return true;
}

/** Separators and control characters (C0, DEL, C1): a segment holding one never matches. */
const UNSAFE_CHARACTER = /[\\/\p{Cc}]/u;
/**
 * Characters that show nothing, dropped from a segment before looking for dots: the one
 * definition the identity key and the terminal escaper use too, so a blank symbol that is not
 * default-ignorable (U+1D159, U+16FE4, U+2800) cannot hide inside `.` `.` either.
 */
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTER_CLASS}]`, 'gu');
const PERCENT = 37;
const BACKSLASH = 92;
const SEMICOLON = 59;
const DEL = 127;
const SPACE = 32;
const DOT = 46;

/** Validates and copies a list of constraints (unknown types are kept; they deny when checked). */
export function parseConstraints(value: unknown, path: string, issues: IssueList): readonly CapabilityConstraint[] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return NO_CONSTRAINTS;
  if (!Array.isArray(value)) {
    issues.push({ path, message: 'must be an array of constraints' });
    return NO_CONSTRAINTS;
  }
  const constraints: CapabilityConstraint[] = [];
  for (let index = 0; index < value.length; index++) {
    const before = issues.length;
    constraints.push(parseConstraint(ownField(value, index), issues));
    // Issues name fields from the constraint: its own path is joined in only when there are any,
    // so that a valid constraint (the bulk of a load) builds no path strings.
    for (let at = before; at < issues.length; at++) issues[at] = within(`${path}.${index}`, issues[at] as InputIssue);
  }
  return Object.freeze(constraints);
}

function within(path: string, issue: InputIssue): InputIssue {
  return { path: issue.path === '' ? path : `${path}.${issue.path}`, message: issue.message };
}

const NO_CONSTRAINTS: readonly CapabilityConstraint[] = Object.freeze([]);

/** Reads one constraint; issue paths are relative to it (`''`, `type`, `params.max`, …). */
function parseConstraint(value: unknown, issues: IssueList): CapabilityConstraint {
  if (!isPlainObject(value)) {
    issues.push({ path: '', message: 'must be an object with type and params' });
    return Object.freeze({ type: 'invalid', params: Object.freeze({}) });
  }
  const type = readString(ownField(value, 'type'), 'type', issues);
  const rawParams = ownField(value, 'params') ?? {};
  if (!isPlainObject(rawParams)) issues.push({ path: 'params', message: 'must be an object' });
  const params = (isPlainObject(rawParams) ? copyJsonValue(rawParams, 'params', issues) : {}) as Record<
    string,
    unknown
  >;
  checkParams(type, params, issues);
  return Object.freeze({ type, params });
}

function checkParams(type: string, params: Record<string, unknown>, issues: IssueList): void {
  if (type === 'time-window') checkTimeWindow(params, issues);
  else if (type === 'rate-limit') readFiniteNumber(ownField(params, 'max'), 'params.max', issues);
  else if (type === 'budget') readFiniteNumber(ownField(params, 'limit'), 'params.limit', issues);
  else if (type === 'condition') checkCondition(params, issues);
  else if (type === 'scope-restriction') checkPattern(params, issues);
}

function checkPattern(params: Record<string, unknown>, issues: IssueList): void {
  const pattern = readString(ownField(params, 'pattern'), 'params.pattern', issues);
  if (hasDotSegment(pattern)) {
    issues.push({ path: 'params.pattern', message: 'must not contain . or .. segments, encoded or confusable' });
  }
}

function checkTimeWindow(params: Record<string, unknown>, issues: IssueList): void {
  const givenStart = ownField(params, 'start');
  const givenEnd = ownField(params, 'end');
  if (givenStart === undefined && givenEnd === undefined) {
    issues.push({ path: 'params', message: 'a time-window needs start, end or both' });
    return;
  }
  const start = givenStart === undefined ? undefined : readFiniteNumber(givenStart, 'params.start', issues);
  const end = givenEnd === undefined ? undefined : readFiniteNumber(givenEnd, 'params.end', issues);
  if (start !== undefined && end !== undefined && start > end) {
    issues.push({ path: 'params', message: 'start must not be after end' });
  }
}

function checkCondition(params: Record<string, unknown>, issues: IssueList): void {
  readString(ownField(params, 'key'), 'params.key', issues);
  const value = ownField(params, 'value');
  if (value !== undefined && value !== null && typeof value === 'object') {
    issues.push({ path: 'params.value', message: 'must be a string, number, boolean or null' });
  }
}
