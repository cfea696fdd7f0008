import { describe, expect, it } from 'vitest';
import { DENIED_CLOCK, deniedResult } from './algebra-outcomes.js';
import { CapabilityRecord } from './algebra-record.js';
import type { AlgebraCapability, CapabilityCheckContext, CapabilityConstraint } from './algebra-types.js';
import { createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;

// Capabilities whose conditions are all numbers, which `check` decides from its candidate lists
// rather than from the capability's own `evaluate`.
const WINDOW: CapabilityConstraint = { type: 'time-window', params: { start: START, end: START + 10 } };
const WINDOW_END: CapabilityConstraint = { type: 'time-window', params: { end: START + 4 } };
const BUDGET: CapabilityConstraint = { type: 'budget', params: { limit: 50 } };
const RATE: CapabilityConstraint = { type: 'rate-limit', params: { max: 3 } };
const CONSTRAINT_SETS: CapabilityConstraint[][] = [
  [],
  [WINDOW],
  [WINDOW, WINDOW_END],
  [BUDGET],
  [RATE],
  [WINDOW, BUDGET],
  [RATE, WINDOW, BUDGET],
];
const EXPIRIES = [null, START + 5];
const TIMES = [START - 1, START, START + 4, START + 5, START + 10, START + 11, Number.NaN];
const CONTEXTS: Array<CapabilityCheckContext | undefined> = [
  undefined,
  {},
  { budgetUsed: 0, currentUsage: 0 },
  { budgetUsed: 49, currentUsage: 2 },
  { budgetUsed: 50, currentUsage: 3 },
  { budgetUsed: Number.NaN, currentUsage: Number.NaN },
  { budgetUsed: -1, currentUsage: -1 },
  { budgetUsed: '1', currentUsage: '1' } as unknown as CapabilityCheckContext,
];

/** The reason `check` must give for a request that only `capability` covers: the rule's own. */
function expectedReason(capability: AlgebraCapability, context: CapabilityCheckContext | undefined, time: number) {
  // A clock that is not finite denies before any capability is looked at.
  if (!Number.isFinite(time)) return deniedResult(DENIED_CLOCK).reason;
  const record = new CapabilityRecord(capability);
  record.unlistedActions = true;
  const outcome = record.evaluate(0, 'read', context, time);
  return outcome === 0 ? `Allowed by capability ${capability.id}` : deniedResult(outcome).reason;
}

describe('check(...) on capabilities decided by their numbers (expiry, time windows, rate limits, budgets)', () => {
  for (const constraints of CONSTRAINT_SETS) {
    for (const expiresAt of EXPIRIES) {
      const name = `${JSON.stringify(constraints.map((constraint) => constraint.params))}, expiresAt ${expiresAt}`;
      it(`gives the reason the capability's evaluate gives: ${name}`, () => {
        let time = START;
        const algebra = createCapabilityAlgebra({ now: () => time });
        // On '*' the capability is in two candidate lists (its holder's wildcard and "repo" lists).
        algebra.grant({ scope: 'fs', resource: 'repo', actions: ['write'], grantedBy: 'root', grantedTo: 'agent' });
        const granted = algebra.grant({
          scope: 'fs',
          resource: '*',
          actions: ['read'],
          constraints,
          expiresAt,
          grantedBy: 'root',
          grantedTo: 'agent',
        });
        for (const checkTime of TIMES) {
          time = checkTime;
          for (const context of CONTEXTS) {
            const expected = expectedReason(granted, context, checkTime);
            expect(algebra.check('agent', 'fs', 'repo', 'read', context).reason).toBe(expected);
            expect(algebra.check('agent', 'fs', 'other', 'read', context).reason).toBe(expected);
          }
        }
      });
    }
  }

  it('follows expire(id) and revoke(id) in every list the capability is in', () => {
    let time = START;
    const algebra = createCapabilityAlgebra({ now: () => time });
    algebra.grant({ scope: 'fs', resource: 'repo', actions: ['write'], grantedBy: 'root', grantedTo: 'agent' });
    const granted = algebra.grant({
      scope: 'fs',
      resource: '*',
      actions: ['read'],
      constraints: [BUDGET],
      grantedBy: 'root',
      grantedTo: 'agent',
    });
    expect(algebra.check('agent', 'fs', 'repo', 'read', { budgetUsed: 1 }).allowed).toBe(true);
    algebra.expire(granted.id);
    for (const resource of ['repo', 'other']) {
      expect(algebra.check('agent', 'fs', resource, 'read', { budgetUsed: 1 }).reason).toMatch(/has expired/);
    }
    // A clock set back does not revive what expire(id) ended, in any list.
    time = START - 1;
    for (const resource of ['repo', 'other']) {
      expect(algebra.check('agent', 'fs', resource, 'read', { budgetUsed: 1 }).reason).toMatch(/has expired/);
      expect(algebra.isAllowed('agent', 'fs', resource, 'read', { budgetUsed: 1 })).toBe(false);
    }
    algebra.revoke(granted.id);
    for (const resource of ['repo', 'other']) {
      expect(algebra.check('agent', 'fs', resource, 'read', { budgetUsed: 1 }).reason).toMatch(/revoked/);
    }
  });
});
