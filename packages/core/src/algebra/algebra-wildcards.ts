/**
 * What `'*'` means, in one place, so that `check`, `restrict`, `compose` and `isSubset` agree:
 * a `'*'` resource covers every resource and a `'*'` action covers every action. A request for
 * the literal resource or action `'*'` is covered only by a `'*'` grant.
 *
 * @module
 */

/** The wildcard resource or action. */
export const WILDCARD = '*';

const ALL_ACTIONS: readonly string[] = Object.freeze([WILDCARD]);

/**
 * Above this many actions, lists are searched through a `Set`. Searching the list itself for each
 * of its own actions costs n² steps: a delegating agent that listed 300,000 actions stalled the
 * synchronous algebra for hours. Short lists (nearly every grant) keep the allocation-free search.
 */
const SHORT_LIST = 16;

/** A membership test for `actions`, linear in their number whatever their length. */
function memberOf(actions: readonly string[]): (action: string) => boolean {
  if (actions.length <= SHORT_LIST) return (action) => actions.includes(action);
  const set = new Set(actions);
  return (action) => set.has(action);
}

/** Deduplicates actions, keeping first occurrences in order; a list holding `'*'` collapses to `['*']`. The result is frozen. */
export function normalizeActions(actions: readonly string[]): readonly string[] {
  if (actions.includes(WILDCARD)) return ALL_ACTIONS;
  let unique: string[];
  if (actions.length > SHORT_LIST) unique = [...new Set(actions)];
  else {
    unique = [];
    for (const action of actions) if (!unique.includes(action)) unique.push(action);
  }
  // A frozen list that was already normalized is kept, saving a copy when grants are loaded in bulk.
  return unique.length === actions.length && Object.isFrozen(actions) ? actions : Object.freeze(unique);
}

/** True when everything `inner` allows, `outer` allows. */
export function actionsWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer[0] === WILDCARD) return true;
  const inOuter = memberOf(outer);
  return inner.every((action) => action !== WILDCARD && inOuter(action));
}

/** The actions both lists allow (`'*'` on one side stands for the other side's list). */
export function intersectActions(left: readonly string[], right: readonly string[]): readonly string[] {
  if (left[0] === WILDCARD) return normalizeActions(right);
  if (right[0] === WILDCARD) return normalizeActions(left);
  const inRight = memberOf(right);
  return normalizeActions(left.filter(inRight));
}

/** True when a grant on resource `outer` covers resource `inner`. */
export function resourceCovers(outer: string, inner: string): boolean {
  return outer === WILDCARD || outer === inner;
}

/** The resource both cover, or `undefined` when they are two different concrete resources. */
export function intersectResources(left: string, right: string): string | undefined {
  if (left === WILDCARD) return right;
  if (right === WILDCARD || right === left) return left;
  return undefined;
}
