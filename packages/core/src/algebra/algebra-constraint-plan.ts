/**
 * A capability's constraints folded into a plan that `check` evaluates without allocating:
 * every time window intersects into one `[notBefore, notAfter]`, every rate limit and budget
 * into its smallest limit (`x < a && x < b` is `x < min(a, b)`), and only conditions,
 * scope restrictions and unknown types stay a list. Comparisons are written as "inside the
 * bounds" so that NaN (a broken clock, a NaN usage) denies.
 *
 * @module
 */

import { ownProperty } from '../validation.js';
import {
  BUDGET,
  CONDITION,
  inputMissing,
  notSatisfied,
  pathWithin,
  RATE_LIMIT,
  SATISFIED,
  SCOPE_RESTRICTION,
  TIME_WINDOW,
  trimTrailingSlashes,
  UNKNOWN,
} from './algebra-constraints.js';
import type { CapabilityCheckContext, CapabilityConstraint } from './algebra-types.js';

/** A condition, scope restriction or unknown constraint, reduced to what its evaluation reads. */
class ListedConstraint {
  /**
   * @param kind `CONDITION`, `SCOPE_RESTRICTION` or `UNKNOWN`
   * @param key the condition's context key, or the restriction's path without trailing slashes
   * @param value the value a condition expects
   * @param hasValue whether the condition names a value (otherwise truthiness is required)
   */
  constructor(
    readonly kind: number,
    readonly key: string,
    readonly value: unknown,
    readonly hasValue: boolean,
  ) {}
}

/** The folded constraints of one capability (the capability record carries these fields itself). */
export interface FoldedConstraints {
  /** Latest time-window start (inclusive); `-Infinity` when there is none. */
  readonly notBefore: number;
  /** Earliest time-window end (inclusive); `Infinity` when there is none. */
  readonly notAfter: number;
  /** Smallest rate-limit `max`; `Infinity` when there is none. */
  readonly usageLimit: number;
  /** Smallest budget `limit`; `Infinity` when there is none. */
  readonly budgetLimit: number;
  /** Conditions, scope restrictions and unknown types, in order; `null` when there are none. */
  readonly listed: readonly ListedConstraint[] | null;
}

/** Folds validated constraints. */
export function foldConstraints(constraints: readonly CapabilityConstraint[]): FoldedConstraints {
  let notBefore = Number.NEGATIVE_INFINITY;
  let notAfter = Number.POSITIVE_INFINITY;
  let usageLimit = Number.POSITIVE_INFINITY;
  let budgetLimit = Number.POSITIVE_INFINITY;
  let listed: ListedConstraint[] | null = null;
  // Indexed, not `for…of`: grants run this in bulk, mostly before V8 optimizes it.
  for (let index = 0; index < constraints.length; index++) {
    const { type, params } = constraints[index] as CapabilityConstraint;
    if (type === 'time-window') {
      notBefore = Math.max(notBefore, (ownProperty(params, 'start') as number | undefined) ?? Number.NEGATIVE_INFINITY);
      notAfter = Math.min(notAfter, (ownProperty(params, 'end') as number | undefined) ?? Number.POSITIVE_INFINITY);
    } else if (type === 'rate-limit') {
      usageLimit = Math.min(usageLimit, ownProperty(params, 'max') as number);
    } else if (type === 'budget') {
      budgetLimit = Math.min(budgetLimit, ownProperty(params, 'limit') as number);
    } else {
      listed ??= [];
      listed.push(listConstraint(type, params));
    }
  }
  return { notBefore, notAfter, usageLimit, budgetLimit, listed };
}

function listConstraint(type: string, params: Readonly<Record<string, unknown>>): ListedConstraint {
  // Own fields only: a `value` the constraint never had must not come from Object.prototype.
  if (type === 'condition') {
    const key = ownProperty(params, 'key') as string;
    return new ListedConstraint(CONDITION, key, ownProperty(params, 'value'), Object.hasOwn(params, 'value'));
  }
  if (type === 'scope-restriction') {
    return new ListedConstraint(
      SCOPE_RESTRICTION,
      trimTrailingSlashes(ownProperty(params, 'pattern') as string),
      null,
      false,
    );
  }
  return new ListedConstraint(UNKNOWN, '', undefined, false);
}

/** `SATISFIED`, or the code of the first folded constraint that fails. */
export function evaluateFolded(
  folded: FoldedConstraints,
  context: CapabilityCheckContext | undefined,
  now: number,
): number {
  if (!(now >= folded.notBefore && now <= folded.notAfter)) return notSatisfied(TIME_WINDOW);
  if (folded.usageLimit !== Number.POSITIVE_INFINITY) {
    const outcome = belowLimit(ownProperty(context, 'currentUsage'), folded.usageLimit, RATE_LIMIT);
    if (outcome !== SATISFIED) return outcome;
  }
  if (folded.budgetLimit !== Number.POSITIVE_INFINITY) {
    const outcome = belowLimit(ownProperty(context, 'budgetUsed'), folded.budgetLimit, BUDGET);
    if (outcome !== SATISFIED) return outcome;
  }
  if (folded.listed === null) return SATISFIED;
  for (const constraint of folded.listed) {
    const outcome = evaluateListed(constraint, context);
    if (outcome !== SATISFIED) return outcome;
  }
  return SATISFIED;
}

function belowLimit(used: unknown, limit: number, kind: number): number {
  if (typeof used !== 'number') return inputMissing(kind);
  return used >= 0 && used < limit ? SATISFIED : notSatisfied(kind);
}

function evaluateListed(constraint: ListedConstraint, context: CapabilityCheckContext | undefined): number {
  if (constraint.kind === CONDITION) return evaluateCondition(constraint, context);
  if (constraint.kind === SCOPE_RESTRICTION) {
    const target = ownProperty(context, 'targetResource');
    if (typeof target !== 'string') return inputMissing(SCOPE_RESTRICTION);
    return pathWithin(target, constraint.key) ? SATISFIED : notSatisfied(SCOPE_RESTRICTION);
  }
  return notSatisfied(UNKNOWN);
}

function evaluateCondition(constraint: ListedConstraint, context: CapabilityCheckContext | undefined): number {
  // Own properties only: an inherited `constructor` or `toString` must not satisfy a condition.
  if (typeof context !== 'object' || context === null || !Object.hasOwn(context, constraint.key)) {
    return inputMissing(CONDITION);
  }
  const actual = context[constraint.key];
  const holds = constraint.hasValue ? actual === constraint.value : Boolean(actual);
  return holds ? SATISFIED : notSatisfied(CONDITION);
}
