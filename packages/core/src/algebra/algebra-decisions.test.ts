import { describe, expect, it } from 'vitest';
import { evaluateFolded, foldConstraints } from './algebra-constraint-plan.js';
import {
  BUDGET,
  CONDITION,
  constraintFailureReason,
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
import { allowedResult, DENIED_EXPIRED, DENIED_NO_MATCH, deniedResult } from './algebra-outcomes.js';
import type { AlgebraCapability, CapabilityConstraint } from './algebra-types.js';
import {
  actionsWithin,
  intersectActions,
  intersectResources,
  normalizeActions,
  resourceCovers,
} from './algebra-wildcards.js';

// The algebra's evaluation at the edges that flip a decision: every constraint must hold, not the first.
const evaluate = (constraints: CapabilityConstraint[], context: Record<string, unknown> | undefined, now = 1_000) =>
  evaluateFolded(foldConstraints(constraints), context, now);

const rateLimit = (max: number): CapabilityConstraint => ({ type: 'rate-limit', params: { max } });
const budget = (limit: number): CapabilityConstraint => ({ type: 'budget', params: { limit } });
const scope = (pattern: string): CapabilityConstraint => ({ type: 'scope-restriction', params: { pattern } });
const window = (start?: number, end?: number): CapabilityConstraint => ({
  type: 'time-window',
  params: { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) },
});

describe('evaluateFolded(foldConstraints(constraints), context, now)', () => {
  it('checks every constraint: a satisfied rate limit does not let a scope restriction pass', () => {
    const constraints = [rateLimit(10), scope('/src')];
    expect(evaluate(constraints, { currentUsage: 1, targetResource: '/src/a.ts' })).toBe(SATISFIED);
    expect(evaluate(constraints, { currentUsage: 1, targetResource: '/etc/passwd' })).toBe(
      notSatisfied(SCOPE_RESTRICTION),
    );
    expect(evaluate([budget(5), scope('/src')], { budgetUsed: 1, targetResource: '/etc' })).toBe(
      notSatisfied(SCOPE_RESTRICTION),
    );
    expect(
      evaluate([scope('/src'), { type: 'condition', params: { key: 'approved' } }], {
        targetResource: '/src',
        approved: false,
      }),
    ).toBe(notSatisfied(CONDITION));
    expect(evaluate([window(0, 2_000), rateLimit(1)], { currentUsage: 1 })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(5), budget(5)], { currentUsage: 1, budgetUsed: 5 })).toBe(notSatisfied(BUDGET));
  });

  it('allows usage strictly below the smallest limit, and refuses negative or missing usage', () => {
    expect(evaluate([rateLimit(3)], { currentUsage: 2 })).toBe(SATISFIED);
    expect(evaluate([rateLimit(3)], { currentUsage: 3 })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(3), rateLimit(2)], { currentUsage: 2 })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(2), rateLimit(3)], { currentUsage: 2 })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(3)], { currentUsage: 0 })).toBe(SATISFIED);
    expect(evaluate([rateLimit(3)], { currentUsage: -1 })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(3)], { currentUsage: Number.NaN })).toBe(notSatisfied(RATE_LIMIT));
    expect(evaluate([rateLimit(3)], {})).toBe(inputMissing(RATE_LIMIT));
    expect(evaluate([rateLimit(3)], undefined)).toBe(inputMissing(RATE_LIMIT));
    expect(evaluate([rateLimit(3)], { currentUsage: '1' })).toBe(inputMissing(RATE_LIMIT));
    expect(evaluate([budget(10)], { budgetUsed: 9.5 })).toBe(SATISFIED);
    expect(evaluate([budget(10)], { budgetUsed: 10 })).toBe(notSatisfied(BUDGET));
    expect(evaluate([budget(10), budget(4)], { budgetUsed: 4 })).toBe(notSatisfied(BUDGET));
    expect(evaluate([budget(10)], {})).toBe(inputMissing(BUDGET));
  });

  it('holds a time window inclusive at both ends, intersecting several, and denies a NaN clock', () => {
    expect(evaluate([window(1_000, 2_000)], {}, 1_000)).toBe(SATISFIED);
    expect(evaluate([window(1_000, 2_000)], {}, 2_000)).toBe(SATISFIED);
    expect(evaluate([window(1_000, 2_000)], {}, 999)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([window(1_000, 2_000)], {}, 2_001)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([window(1_000)], {}, 1_000_000)).toBe(SATISFIED);
    expect(evaluate([window(undefined, 2_000)], {}, -5)).toBe(SATISFIED);
    expect(evaluate([window(0, 3_000), window(1_500, 5_000)], {}, 1_000)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([window(0, 3_000), window(1_500, 5_000)], {}, 3_001)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([window(0, 3_000), window(1_500, 5_000)], {}, 2_000)).toBe(SATISFIED);
    expect(evaluate([window(0, 3_000)], {}, Number.NaN)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([], undefined, Number.NaN)).toBe(notSatisfied(TIME_WINDOW));
    expect(evaluate([], undefined)).toBe(SATISFIED);
  });

  it('holds a condition on an own key only, by value or by truthiness', () => {
    const withValue: CapabilityConstraint = { type: 'condition', params: { key: 'env', value: 'prod' } };
    const truthy: CapabilityConstraint = { type: 'condition', params: { key: 'approved' } };
    expect(evaluate([withValue], { env: 'prod' })).toBe(SATISFIED);
    expect(evaluate([withValue], { env: 'dev' })).toBe(notSatisfied(CONDITION));
    expect(evaluate([withValue], {})).toBe(inputMissing(CONDITION));
    expect(evaluate([withValue], undefined)).toBe(inputMissing(CONDITION));
    expect(evaluate([truthy], { approved: true })).toBe(SATISFIED);
    expect(evaluate([truthy], { approved: 0 })).toBe(notSatisfied(CONDITION));
    const nullValue: CapabilityConstraint = { type: 'condition', params: { key: 'ticket', value: null } };
    expect(evaluate([nullValue], { ticket: null })).toBe(SATISFIED);
    expect(evaluate([nullValue], { ticket: undefined })).toBe(notSatisfied(CONDITION));
    const inherited: CapabilityConstraint = { type: 'condition', params: { key: 'toString' } };
    expect(evaluate([inherited], {})).toBe(inputMissing(CONDITION));
  });

  it('denies an unknown constraint type and a scope restriction without a target', () => {
    expect(evaluate([{ type: 'quota', params: {} }], {})).toBe(notSatisfied(UNKNOWN));
    expect(evaluate([scope('/src')], {})).toBe(inputMissing(SCOPE_RESTRICTION));
    expect(evaluate([scope('/src/')], { targetResource: '/src/a' })).toBe(SATISFIED);
  });
});

describe('pathWithin(target, pattern) and trimTrailingSlashes(path)', () => {
  it('matches whole segments, never a string prefix, and never a dot segment', () => {
    expect(pathWithin('/src', '/src')).toBe(true);
    expect(pathWithin('/src/a', '/src')).toBe(true);
    expect(pathWithin('/src-secret', '/src')).toBe(false);
    expect(pathWithin('/sr', '/src')).toBe(false);
    expect(pathWithin('/src/a', '/')).toBe(true);
    expect(pathWithin('/src/../etc', '/src')).toBe(false);
    expect(pathWithin('/src/./a', '/src')).toBe(false);
    expect(pathWithin('/src/..', '/src')).toBe(false);
    expect(pathWithin('/src/.hidden', '/src')).toBe(true);
    expect(pathWithin('/src/...', '/src')).toBe(false); // a run of dots is refused like '..'
    expect(pathWithin('/src/...', '/src')).toBe(false); // a run of dots is refused like '..'
  });

  it('trims trailing slashes but keeps a lone /', () => {
    expect(trimTrailingSlashes('/src///')).toBe('/src');
    expect(trimTrailingSlashes('/')).toBe('/');
    expect(trimTrailingSlashes('//')).toBe('/');
    expect(trimTrailingSlashes('/src')).toBe('/src');
  });
});

describe('constraintFailureReason(code) and the outcomes', () => {
  it('names the constraint and the missing input', () => {
    expect(constraintFailureReason(notSatisfied(SCOPE_RESTRICTION))).toBe(
      'Constraint "scope-restriction" is not satisfied',
    );
    expect(constraintFailureReason(inputMissing(RATE_LIMIT))).toBe(
      'Constraint "rate-limit" needs currentUsage in the check context',
    );
    expect(constraintFailureReason(inputMissing(BUDGET))).toBe(
      'Constraint "budget" needs budgetUsed in the check context',
    );
    expect(constraintFailureReason(notSatisfied(UNKNOWN))).toBe('Denied by a constraint of unknown type');
    expect(deniedResult(notSatisfied(TIME_WINDOW))).toMatchObject({
      allowed: false,
      reason: 'Constraint "time-window" is not satisfied',
    });
    expect(deniedResult(DENIED_NO_MATCH).allowed).toBe(false);
    expect(deniedResult(DENIED_EXPIRED).reason).toBe('The covering capability has expired');
    expect(deniedResult(999)).toMatchObject({ allowed: false, reason: 'Denied' });
  });

  it('allowedResult(capabilities) lists every capability and its constraints', () => {
    const capability = (id: string, constraints: CapabilityConstraint[]) =>
      ({ id, constraints }) as unknown as AlgebraCapability;
    const result = allowedResult([capability('a', [rateLimit(1)]), capability('b', [budget(2)])]);
    expect(result).toMatchObject({ allowed: true, reason: 'Allowed by capabilities a, b' });
    expect(result.constraints).toEqual([rateLimit(1), budget(2)]);
    expect(allowedResult([capability('a', [])]).reason).toBe('Allowed by capability a');
    const many = Array.from({ length: 200_000 }, () => budget(2));
    expect(allowedResult([capability('a', many), capability('b', [])]).constraints).toHaveLength(200_000);
  });
});

describe('action and resource wildcards', () => {
  it('never widens: actionsWithin, intersectActions, resourceCovers, intersectResources', () => {
    expect(actionsWithin(['read'], ['*'])).toBe(true);
    expect(actionsWithin(['*'], ['read', 'write'])).toBe(false);
    expect(actionsWithin(['read', 'delete'], ['read', 'write'])).toBe(false);
    expect(actionsWithin(['read'], ['read', 'write'])).toBe(true);
    expect(intersectActions(['*'], ['read'])).toEqual(['read']);
    expect(intersectActions(['read', 'write'], ['*'])).toEqual(['read', 'write']);
    expect(intersectActions(['read', 'write'], ['write', 'delete'])).toEqual(['write']);
    expect(normalizeActions(['read', 'read', 'write'])).toEqual(['read', 'write']);
    expect(normalizeActions(['read', '*'])).toEqual(['*']);
    expect(resourceCovers('*', 'repo')).toBe(true);
    expect(resourceCovers('repo', 'repo')).toBe(true);
    expect(resourceCovers('repo', '*')).toBe(false);
    expect(resourceCovers('repo', 'repo2')).toBe(false);
    expect(intersectResources('*', 'repo')).toBe('repo');
    expect(intersectResources('repo', '*')).toBe('repo');
    expect(intersectResources('repo', 'repo')).toBe('repo');
    expect(intersectResources('repo', 'other')).toBeUndefined();
  });
});
