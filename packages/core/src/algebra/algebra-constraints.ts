/**
 * Capability constraints: validating their parameters, compiling them into a form that is
 * evaluated without allocating, and evaluating them. Evaluation fails closed: a missing input,
 * a non-number usage, a clock that returns NaN, or an unknown constraint type all deny.
 *
 * @module
 */
import { copyJsonValue, type IssueList, isPlainObject, readFiniteNumber, readString } from './algebra-input.js';
import type { CapabilityCheckContext, CapabilityConstraint } from './algebra-types.js';

const TIME_WINDOW = 0;
const RATE_LIMIT = 1;
const BUDGET = 2;
const CONDITION = 3;
const SCOPE_RESTRICTION = 4;
const UNKNOWN = 5;
const KIND_NAMES = ['time-window', 'rate-limit', 'budget', 'condition', 'scope-restriction'] as const;

/** Evaluation outcome: every constraint holds. */
export const SATISFIED = 0;
/** Outcome codes at or above this number name a failed constraint (see {@link constraintFailureReason}). */
export const CONSTRAINT_FAILURE_BASE = 16;
/** One past the largest constraint failure code. */
export const CONSTRAINT_FAILURE_END: number = CONSTRAINT_FAILURE_BASE + (UNKNOWN + 1) * 2;

function notSatisfied(kind: number): number {
  return CONSTRAINT_FAILURE_BASE + kind * 2;
}

function inputMissing(kind: number): number {
  return CONSTRAINT_FAILURE_BASE + kind * 2 + 1;
}

/** A constraint reduced to numbers and strings, evaluated without allocating. */
export class CompiledConstraint {
  /**
   * @param kind which evaluator applies
   * @param low the time window's start (or -Infinity)
   * @param high the window's end, the rate limit's `max` or the budget's `limit`
   * @param key the condition's context key or the scope restriction's normalized path
   * @param value the value a condition expects
   * @param hasValue whether the condition names a value (otherwise truthiness is required)
   */
  constructor(
    readonly kind: number,
    readonly low: number,
    readonly high: number,
    readonly key: string,
    readonly value: unknown,
    readonly hasValue: boolean,
  ) {}
}

/** Compiles a validated constraint. */
export function compileConstraint(constraint: CapabilityConstraint): CompiledConstraint {
  const params = constraint.params;
  switch (constraint.type) {
    case 'time-window':
      return new CompiledConstraint(
        TIME_WINDOW,
        (params.start as number | undefined) ?? Number.NEGATIVE_INFINITY,
        (params.end as number | undefined) ?? Number.POSITIVE_INFINITY,
        '',
        undefined,
        false,
      );
    case 'rate-limit':
      return new CompiledConstraint(RATE_LIMIT, 0, params.max as number, '', undefined, false);
    case 'budget':
      return new CompiledConstraint(BUDGET, 0, params.limit as number, '', undefined, false);
    case 'condition':
      return new CompiledConstraint(CONDITION, 0, 0, params.key as string, params.value, 'value' in params);
    case 'scope-restriction':
      return new CompiledConstraint(
        SCOPE_RESTRICTION,
        0,
        0,
        trimTrailingSlashes(params.pattern as string),
        null,
        false,
      );
    default:
      return new CompiledConstraint(UNKNOWN, 0, 0, '', undefined, false);
  }
}

/** Returns {@link SATISFIED} when every constraint holds, otherwise the first failure's code. */
export function evaluateConstraints(
  compiled: readonly CompiledConstraint[],
  context: CapabilityCheckContext | undefined,
  now: number,
): number {
  for (const constraint of compiled) {
    const outcome = evaluateConstraint(constraint, context, now);
    if (outcome !== SATISFIED) return outcome;
  }
  return SATISFIED;
}

function evaluateConstraint(constraint: CompiledConstraint, context: CapabilityCheckContext | undefined, now: number) {
  switch (constraint.kind) {
    case TIME_WINDOW:
      // Written as "inside" rather than "not outside" so that a NaN clock denies.
      return now >= constraint.low && now <= constraint.high ? SATISFIED : notSatisfied(TIME_WINDOW);
    case RATE_LIMIT:
      return belowLimit(context?.currentUsage, constraint.high, RATE_LIMIT);
    case BUDGET:
      return belowLimit(context?.budgetUsed, constraint.high, BUDGET);
    case CONDITION:
      return evaluateCondition(constraint, context);
    case SCOPE_RESTRICTION: {
      const target = context?.targetResource;
      if (typeof target !== 'string') return inputMissing(SCOPE_RESTRICTION);
      return pathWithin(target, constraint.key) ? SATISFIED : notSatisfied(SCOPE_RESTRICTION);
    }
    default:
      return notSatisfied(UNKNOWN);
  }
}

function belowLimit(used: unknown, limit: number, kind: number): number {
  if (typeof used !== 'number') return inputMissing(kind);
  return used >= 0 && used < limit ? SATISFIED : notSatisfied(kind);
}

function evaluateCondition(constraint: CompiledConstraint, context: CapabilityCheckContext | undefined): number {
  // Own properties only: an inherited `constructor` or `toString` must not satisfy a condition.
  if (typeof context !== 'object' || context === null || !Object.hasOwn(context, constraint.key)) {
    return inputMissing(CONDITION);
  }
  const actual = context[constraint.key];
  const holds = constraint.hasValue ? actual === constraint.value : Boolean(actual);
  return holds ? SATISFIED : notSatisfied(CONDITION);
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

function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === SLASH) end--;
  return path.slice(0, end);
}

const SLASH = 47;

/**
 * True when `target` is `pattern` or lies below it, by whole `/`-separated segments: `/src`
 * covers `/src` and `/src/a`, not `/src-secret`. A target with a `.` or `..` segment never
 * matches, so `/src/../secret` cannot climb out.
 */
export function pathWithin(target: string, pattern: string): boolean {
  if (hasDotSegment(target) || !target.startsWith(pattern)) return false;
  if (target.length === pattern.length) return true;
  return pattern.charCodeAt(pattern.length - 1) === SLASH || target.charCodeAt(pattern.length) === SLASH;
}

/** True when a `/`-separated path has a `.` or `..` segment. */
export function hasDotSegment(path: string): boolean {
  let segmentStart = 0;
  for (let index = 0; index <= path.length; index++) {
    if (index < path.length && path.charCodeAt(index) !== SLASH) continue;
    if (isDotSegment(path, segmentStart, index)) return true;
    segmentStart = index + 1;
  }
  return false;
}

function isDotSegment(path: string, start: number, end: number): boolean {
  const length = end - start;
  if (length !== 1 && length !== 2) return false;
  return path.charCodeAt(start) === DOT && path.charCodeAt(end - 1) === DOT;
}

const DOT = 46;

/** Validates and copies a list of constraints (unknown types are kept; they deny when checked). */
export function parseConstraints(value: unknown, path: string, issues: IssueList): readonly CapabilityConstraint[] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return NO_CONSTRAINTS;
  if (!Array.isArray(value)) {
    issues.push({ path, message: 'must be an array of constraints' });
    return NO_CONSTRAINTS;
  }
  return Object.freeze(value.map((item, index) => parseConstraint(item, `${path}.${index}`, issues)));
}

const NO_CONSTRAINTS: readonly CapabilityConstraint[] = Object.freeze([]);

function parseConstraint(value: unknown, path: string, issues: IssueList): CapabilityConstraint {
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object with type and params' });
    return Object.freeze({ type: 'invalid', params: Object.freeze({}) });
  }
  const type = readString(value.type, `${path}.type`, issues);
  const rawParams = value.params ?? {};
  if (!isPlainObject(rawParams)) issues.push({ path: `${path}.params`, message: 'must be an object' });
  const params = (isPlainObject(rawParams) ? copyJsonValue(rawParams, `${path}.params`, issues) : {}) as Record<
    string,
    unknown
  >;
  checkParams(type, params, `${path}.params`, issues);
  return Object.freeze({ type, params });
}

function checkParams(type: string, params: Record<string, unknown>, path: string, issues: IssueList): void {
  if (type === 'time-window') checkTimeWindow(params, path, issues);
  else if (type === 'rate-limit') readFiniteNumber(params.max, `${path}.max`, issues);
  else if (type === 'budget') readFiniteNumber(params.limit, `${path}.limit`, issues);
  else if (type === 'condition') checkCondition(params, path, issues);
  else if (type === 'scope-restriction') checkPattern(params, path, issues);
}

function checkPattern(params: Record<string, unknown>, path: string, issues: IssueList): void {
  const pattern = readString(params.pattern, `${path}.pattern`, issues);
  if (hasDotSegment(pattern)) issues.push({ path: `${path}.pattern`, message: 'must not contain . or .. segments' });
}

function checkTimeWindow(params: Record<string, unknown>, path: string, issues: IssueList): void {
  if (params.start === undefined && params.end === undefined) {
    issues.push({ path, message: 'a time-window needs start, end or both' });
    return;
  }
  const start = params.start === undefined ? undefined : readFiniteNumber(params.start, `${path}.start`, issues);
  const end = params.end === undefined ? undefined : readFiniteNumber(params.end, `${path}.end`, issues);
  if (start !== undefined && end !== undefined && start > end) {
    issues.push({ path, message: 'start must not be after end' });
  }
}

function checkCondition(params: Record<string, unknown>, path: string, issues: IssueList): void {
  readString(params.key, `${path}.key`, issues);
  const value = params.value;
  if (value !== undefined && value !== null && typeof value === 'object') {
    issues.push({ path: `${path}.value`, message: 'must be a string, number, boolean or null' });
  }
}
