import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WardenError } from '../errors.js';
import { ALLOWED } from './algebra-outcomes.js';
import { CapabilityRecord } from './algebra-record.js';
import type {
  AlgebraCapability,
  CapabilityCheckContext,
  CapabilityConstraint,
  CapabilityRestrictions,
} from './algebra-types.js';
import { resourceCovers } from './algebra-wildcards.js';
import { CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_000_000;
const AGENTS = ['a0', 'a1', 'a2'];
const SCOPES = ['s1', 's2'];
const RESOURCES = ['r1', 'r2', '*'];
const ACTIONS = ['read', 'write', '*'];
const CONSTRAINTS: CapabilityConstraint[] = [
  { type: 'budget', params: { limit: 5 } },
  { type: 'rate-limit', params: { max: 3 } },
  { type: 'condition', params: { key: 'k' } },
  { type: 'time-window', params: { start: START + 20, end: START + 120 } },
  { type: 'scope-restriction', params: { pattern: '/a' } },
];
const CONTEXTS: Array<CapabilityCheckContext | undefined> = [
  undefined,
  {},
  { budgetUsed: 2, currentUsage: 1, k: true, targetResource: '/a/b' },
  { budgetUsed: 7, currentUsage: 5, k: false, targetResource: '/ab' },
];
const TIMES = [0, 30, 90, 200].map((offset) => START + offset);

const restrictionsArbitrary: fc.Arbitrary<CapabilityRestrictions> = fc.record(
  {
    actions: fc.subarray(ACTIONS),
    constraints: fc.subarray(CONSTRAINTS, { maxLength: 2 }),
    expiresAt: fc.option(fc.integer({ min: START, max: START + 300 })),
    delegatable: fc.boolean(),
  },
  { requiredKeys: [] },
);

const commandArbitrary = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    agent: fc.constantFrom(...AGENTS),
    scope: fc.constantFrom(...SCOPES),
    resource: fc.constantFrom(...RESOURCES),
    actions: fc.subarray(ACTIONS, { minLength: 1 }),
    constraints: fc.subarray(CONSTRAINTS, { maxLength: 2 }),
    expiresAt: fc.option(fc.integer({ min: START, max: START + 300 })),
    delegatable: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('restrict' as const), source: fc.nat(), restrictions: restrictionsArbitrary }),
  fc.record({
    kind: fc.constant('delegate' as const),
    source: fc.nat(),
    agent: fc.constantFrom(...AGENTS),
    restrictions: fc.option(restrictionsArbitrary, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('compose' as const), first: fc.nat(), second: fc.nat() }),
  fc.record({ kind: fc.constant('revoke' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('expire' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), milliseconds: fc.integer({ min: 1, max: 60 }) }),
);

type Command = typeof commandArbitrary extends fc.Arbitrary<infer Value> ? Value : never;

interface World {
  algebra: CapabilityAlgebra;
  clock: { time: number };
  ids: string[];
  revokedDirectly: string[];
}

function pick(ids: readonly string[], index: number): string {
  return ids[index % ids.length] as string;
}

function apply(world: World, command: Command): void {
  const { algebra, ids } = world;
  if (command.kind === 'grant') {
    const { scope, resource, actions, constraints, expiresAt, delegatable } = command;
    const params = { scope, resource, actions, constraints, expiresAt, delegatable };
    ids.push(algebra.grant({ ...params, grantedBy: 'root', grantedTo: command.agent }).id);
    return;
  }
  if (command.kind === 'advance') {
    world.clock.time += command.milliseconds;
    return;
  }
  if (ids.length === 0) return;
  try {
    if (command.kind === 'restrict') ids.push(algebra.restrict(pick(ids, command.source), command.restrictions).id);
    if (command.kind === 'delegate') {
      ids.push(algebra.delegate(pick(ids, command.source), command.agent, command.restrictions).id);
    }
    if (command.kind === 'compose') ids.push(algebra.compose(pick(ids, command.first), pick(ids, command.second)).id);
    if (command.kind === 'expire') algebra.expire(pick(ids, command.target));
    if (command.kind === 'revoke') {
      algebra.revoke(pick(ids, command.target));
      world.revokedDirectly.push(pick(ids, command.target));
    }
  } catch (error) {
    // Refusals (not delegatable, revoked, expired, nothing to compose) are part of the model.
    if (!WardenError.isInstance(error)) throw error;
  }
}

function run(commands: readonly Command[]): World {
  const clock = { time: START };
  const world = { algebra: createCapabilityAlgebra({ now: () => clock.time }), clock, ids: [], revokedDirectly: [] };
  for (const command of commands) apply(world, command);
  return world;
}

/** Whether one capability, on its own, allows a request at a time. */
function allows(
  capability: AlgebraCapability,
  request: { scope: string; resource: string; action: string; context: CapabilityCheckContext | undefined },
  time: number,
): boolean {
  if (capability.scope !== request.scope || !resourceCovers(capability.resource, request.resource)) return false;
  // Outside an index the record has no action bits: match its actions with `includes`, so this
  // also cross-checks the index's action bits.
  const record = new CapabilityRecord(capability);
  record.unlistedActions = true;
  return record.evaluate(0, request.action, request.context, time) === ALLOWED;
}

const REQUESTS = SCOPES.flatMap((scope) =>
  ['r1', 'r2', '*'].flatMap((resource) =>
    ['read', 'write', '*'].flatMap((action) => CONTEXTS.map((context) => ({ scope, resource, action, context }))),
  ),
);

function ancestorsOf(algebra: CapabilityAlgebra, id: string): AlgebraCapability[] {
  const found = new Map<string, AlgebraCapability>();
  const pending = [...(algebra.getCapability(id)?.derivedFrom ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const capability = algebra.getCapability(next);
    if (capability === undefined || found.has(next)) continue;
    found.set(next, capability);
    pending.push(...capability.derivedFrom);
  }
  return [...found.values()];
}

const commandsArbitrary = fc.array(commandArbitrary, { minLength: 1, maxLength: 30 });

describe('capability algebra properties (random grant/restrict/delegate/compose/revoke/expire sequences)', () => {
  it('a derived capability never allows what one of its ancestors does not', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const { algebra, ids } = run(commands);
        for (const id of ids) {
          const capability = algebra.getCapability(id) as AlgebraCapability;
          for (const ancestor of ancestorsOf(algebra, id)) {
            for (const request of REQUESTS) {
              for (const time of TIMES) {
                if (allows(capability, request, time)) expect(allows(ancestor, request, time)).toBe(true);
              }
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('nothing derived from a revoked capability allows anything, and its holders are denied through it', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const { algebra, ids, revokedDirectly } = run(commands);
        const revokedFamily = new Set(revokedDirectly);
        for (const id of ids) {
          if (ancestorsOf(algebra, id).some((ancestor) => revokedDirectly.includes(ancestor.id))) revokedFamily.add(id);
        }
        for (const id of revokedFamily) {
          const capability = algebra.getCapability(id) as AlgebraCapability;
          expect(capability.revoked).toBe(true);
          for (const request of REQUESTS) {
            for (const time of TIMES) expect(allows(capability, request, time)).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('check(...) allows exactly when one of the agent’s capabilities allows on its own (the index loses nothing)', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const { algebra, clock } = run(commands);
        for (const agent of AGENTS) {
          const held = algebra.getCapabilities(agent);
          for (const request of REQUESTS) {
            const expected = held.some((capability) => allows(capability, request, clock.time));
            const result = algebra.check(agent, request.scope, request.resource, request.action, request.context);
            expect(result.allowed).toBe(expected);
            expect(algebra.isAllowed(agent, request.scope, request.resource, request.action, request.context)).toBe(
              expected,
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('isSubset(inner, outer) is sound: whatever inner allows, outer allows', () => {
    fc.assert(
      fc.property(commandsArbitrary, fc.nat(), fc.nat(), (commands, innerIndex, outerIndex) => {
        const { algebra, ids } = run(commands);
        if (ids.length === 0) return;
        const inner = algebra.getCapability(pick(ids, innerIndex)) as AlgebraCapability;
        const outer = algebra.getCapability(pick(ids, outerIndex)) as AlgebraCapability;
        if (!algebra.isSubset(inner, outer)) return;
        for (const request of REQUESTS) {
          for (const time of TIMES) if (allows(inner, request, time)) expect(allows(outer, request, time)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a snapshot restores to an algebra with the same answers', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const { algebra, clock } = run(commands);
        const restored = CapabilityAlgebra.fromJSON(JSON.parse(JSON.stringify(algebra)), { now: () => clock.time });
        for (const agent of AGENTS) {
          for (const request of REQUESTS) {
            const { scope, resource, action, context } = request;
            expect(restored.check(agent, scope, resource, action, context).allowed).toBe(
              algebra.check(agent, scope, resource, action, context).allowed,
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
