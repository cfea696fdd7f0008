import { describe, expect, it } from 'vitest';
import { AccessDeniedError, CapabilityNotFoundError, ConflictError, InvalidInputError } from '../errors.js';
import type { GrantCapabilityParams } from './algebra-types.js';
import { type CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;

function setup(options: { maxDelegationDepth?: number } = {}) {
  const clock = { time: START };
  const algebra = createCapabilityAlgebra({ now: () => clock.time, ...options });
  return { algebra, clock };
}

const toolRead: GrantCapabilityParams = {
  scope: 'tool',
  resource: 'bash',
  actions: ['read', 'execute'],
  grantedBy: 'authority',
  grantedTo: 'agent-a',
  delegatable: true,
};

function allowed(algebra: CapabilityAlgebra, agent: string, action = 'read', context?: Record<string, unknown>) {
  return algebra.check(agent, 'tool', 'bash', action, context).allowed;
}

describe('grant(params)', () => {
  it('returns a frozen capability with the seed fields and the algebra bookkeeping', () => {
    const { algebra } = setup();
    const capability = algebra.grant(toolRead);
    expect(capability).toMatchObject({
      scope: 'tool',
      resource: 'bash',
      actions: ['read', 'execute'],
      constraints: [],
      grantedBy: 'authority',
      grantedTo: 'agent-a',
      grantedAt: START,
      expiresAt: null,
      delegatable: true,
      revoked: false,
      revokedAt: null,
      attestations: [],
      parentCapabilityId: null,
      derivation: 'grant',
      derivedFrom: [],
      delegationDepth: 0,
    });
    expect(Object.isFrozen(capability)).toBe(true);
    expect(Object.isFrozen(capability.actions)).toBe(true);
  });

  it('with invalid params throws InvalidInputError naming every field and stores nothing', () => {
    const { algebra } = setup();
    const bad = { scope: '', resource: 'bash', actions: [], grantedBy: 'x', grantedTo: 7, expiresAt: Number.NaN };
    const error = catchError(() => algebra.grant(bad as unknown as GrantCapabilityParams));
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).issues.map((issue) => issue.path).sort()).toEqual([
      'actions',
      'expiresAt',
      'grantedTo',
      'scope',
    ]);
    expect(algebra.toJSON().capabilities).toEqual([]);
  });

  it('copies its input: mutating the caller’s arrays afterwards changes nothing', () => {
    const { algebra } = setup();
    const actions = ['read'];
    const params = { limit: 10 };
    algebra.grant({ ...toolRead, actions, constraints: [{ type: 'budget', params }] });
    actions.push('admin');
    params.limit = 1_000_000;
    expect(allowed(algebra, 'agent-a', 'admin')).toBe(false);
    expect(allowed(algebra, 'agent-a', 'read', { budgetUsed: 50 })).toBe(false);
  });

  it('gives each capability its own id of 128 random bits (32 hex characters), across id batches', () => {
    const { algebra } = setup();
    // More than one batch of ids (256), so that ids cut from different batches are compared too.
    const ids = Array.from({ length: 600 }, () => algebra.grant(toolRead).id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(algebra.getCapability(id)?.id).toBe(id);
    // Ids are indexed at the first lookup after a grant: one granted after a lookup is found too.
    const later = algebra.grant(toolRead);
    expect(algebra.getCapability(later.id)).toBe(later);
    expect(algebra.getCapabilities('agent-a').at(-1)).toBe(later);
    expect(algebra.toJSON().capabilities.at(-1)?.id).toBe(later.id);
  });

  it('a denial tells an agent holding nothing from one holding nothing here, for grants made after checks too', () => {
    const { algebra } = setup();
    const holdsNothing = 'The agent holds no capabilities';
    expect(algebra.check('agent-a', 'net', 'host', 'read').reason).toBe(holdsNothing);
    algebra.grant(toolRead);
    expect(algebra.check('agent-a', 'net', 'host', 'read').reason).not.toBe(holdsNothing);
    expect(algebra.check('agent-b', 'net', 'host', 'read').reason).toBe(holdsNothing);
    algebra.grant({ ...toolRead, grantedTo: 'agent-b' });
    expect(algebra.check('agent-b', 'net', 'host', 'read').reason).not.toBe(holdsNothing);
    expect(algebra.getCapabilities('agent-b')).toHaveLength(1);
  });

  it('a denial on a scope where the agent holds other resources names the scope and resource, whatever it holds there', () => {
    const { algebra } = setup();
    const noMatch = 'No capability of the agent covers this scope and resource';
    algebra.grant(toolRead);
    // Another resource on the same scope, another scope, and then only a `'*'` list on the scope.
    expect(algebra.check('agent-a', 'tool', 'git', 'read').reason).toBe(noMatch);
    expect(algebra.check('agent-a', 'net', 'bash', 'read').reason).toBe(noMatch);
    algebra.grant({ ...toolRead, scope: 'net', resource: '*', actions: ['write'] });
    expect(algebra.check('agent-a', 'tool', 'git', 'read').reason).toBe(noMatch);
    expect(algebra.check('agent-a', 'net', 'bash', 'read').reason).toBe(
      'No capability covering this scope and resource allows this action',
    );
    algebra.grant({ ...toolRead, scope: 'net', resource: 'host' });
    expect(algebra.check('agent-a', 'net', 'host', 'read').allowed).toBe(true);
    expect(algebra.check('agent-a', 'net', 'bash', 'write').allowed).toBe(true);
    for (const [scope, resource] of [
      ['tool', 'git'],
      ['net', 'bash'],
      ['data', 'bash'],
    ] as const) {
      expect(algebra.isAllowed('agent-a', scope, resource, 'read')).toBe(false);
    }
  });

  it('throws ConflictError when the id generator repeats an id', () => {
    const algebra = createCapabilityAlgebra({ generateId: () => 'same' });
    algebra.grant(toolRead);
    expect(() => algebra.grant(toolRead)).toThrow(ConflictError);
  });
});

describe('createCapabilityAlgebra(options)', () => {
  it('rejects unknown or invalid options with InvalidInputError', () => {
    expect(() => createCapabilityAlgebra({ maxDelegationDepth: -1 })).toThrow(InvalidInputError);
    expect(() => createCapabilityAlgebra({ maxDelegationDepht: 1 } as never)).toThrow(InvalidInputError);
    expect(() => createCapabilityAlgebra({ now: 5 } as never)).toThrow(InvalidInputError);
  });
});

describe('returned capabilities are frozen copies (seed: live mutable objects)', () => {
  it('mutating a returned capability is impossible and changes nothing in the algebra', () => {
    const { algebra } = setup();
    const capability = algebra.grant(toolRead);
    expect(() => {
      (capability as { revoked: boolean }).revoked = true;
    }).toThrow(TypeError);
    expect(() => (capability.actions as string[]).push('admin')).toThrow(TypeError);
    expect(allowed(algebra, 'agent-a')).toBe(true);
    expect(allowed(algebra, 'agent-a', 'admin')).toBe(false);
  });

  it('getCapabilities(agentId) returns a frozen list that cannot add capabilities', () => {
    const { algebra } = setup();
    algebra.grant(toolRead);
    const list = algebra.getCapabilities('agent-a');
    expect(Object.isFrozen(list)).toBe(true);
    expect(list).toHaveLength(1);
    expect(algebra.getCapabilities('nobody')).toEqual([]);
  });

  it('a view taken before revoke(id) keeps its old state; getCapability(id) shows the new one', () => {
    const { algebra } = setup();
    const before = algebra.grant(toolRead);
    algebra.revoke(before.id);
    expect(before.revoked).toBe(false);
    expect(algebra.getCapability(before.id)?.revoked).toBe(true);
  });
});

describe('restrict(capability, restrictions)', () => {
  it('only narrows: actions intersect, constraints add, expiry shortens, delegatable only turns off', () => {
    const { algebra } = setup();
    const root = algebra.grant({ ...toolRead, expiresAt: START + 1_000 });
    const narrowed = algebra.restrict(root, {
      actions: ['read', 'admin'],
      constraints: [{ type: 'budget', params: { limit: 5 } }],
      expiresAt: START + 10_000,
      delegatable: false,
    });
    expect(narrowed.actions).toEqual(['read']);
    expect(narrowed.constraints).toEqual([{ type: 'budget', params: { limit: 5 } }]);
    expect(narrowed.expiresAt).toBe(START + 1_000);
    expect(narrowed.delegatable).toBe(false);
    expect(narrowed).toMatchObject({ parentCapabilityId: root.id, derivation: 'restrict', grantedTo: 'agent-a' });
    const widened = algebra.restrict(narrowed, { delegatable: true, expiresAt: null });
    expect(widened.delegatable).toBe(false);
    expect(widened.expiresAt).toBe(START + 1_000);
  });

  it("restricting a '*' action list keeps the requested actions; restricting to '*' keeps the source's", () => {
    const { algebra } = setup();
    const everything = algebra.grant({ ...toolRead, actions: ['*'] });
    expect(algebra.restrict(everything, { actions: ['read'] }).actions).toEqual(['read']);
    const some = algebra.grant(toolRead);
    expect(algebra.restrict(some, { actions: ['*'] }).actions).toEqual(['read', 'execute']);
  });

  it('resolves the capability by id: a forged object with wider actions grants nothing extra (seed: used the object)', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    const forged = { ...root, actions: ['*'], delegatable: true };
    const narrowed = algebra.restrict(forged, { actions: ['admin', 'read'] });
    expect(narrowed.actions).toEqual(['read']);
  });

  it('throws CapabilityNotFoundError for an object from another algebra or a made-up id', () => {
    const { algebra } = setup();
    const other = setup().algebra.grant(toolRead);
    expect(() => algebra.restrict(other, {})).toThrow(CapabilityNotFoundError);
    expect(() => algebra.restrict({ ...other, id: 'made-up' }, {})).toThrow(CapabilityNotFoundError);
    expect(() => algebra.restrict({} as never, {})).toThrow(InvalidInputError);
  });

  it('of a revoked or expired capability throws AccessDeniedError (it cannot be narrowed back to life)', () => {
    const { algebra, clock } = setup();
    const revoked = algebra.grant(toolRead);
    algebra.revoke(revoked.id);
    expect(() => algebra.restrict(revoked, {})).toThrow(AccessDeniedError);
    const expiring = algebra.grant({ ...toolRead, expiresAt: START + 10 });
    clock.time = START + 10;
    expect(() => algebra.restrict(expiring, {})).toThrow(AccessDeniedError);
  });

  it('with invalid restrictions throws InvalidInputError and stores nothing', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    expect(() => algebra.restrict(root, { actions: 'read' } as never)).toThrow(InvalidInputError);
    expect(algebra.getCapabilities('agent-a')).toHaveLength(1);
  });
});

describe('delegate(capability, toAgentId, restrictions?)', () => {
  it('gives the target agent a narrower capability granted by the holder, one level deeper', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    const delegated = algebra.delegate(root, 'agent-b', { actions: ['read'] });
    expect(delegated).toMatchObject({
      grantedBy: 'agent-a',
      grantedTo: 'agent-b',
      actions: ['read'],
      parentCapabilityId: root.id,
      derivation: 'delegate',
      delegationDepth: 1,
    });
    expect(allowed(algebra, 'agent-b')).toBe(true);
    expect(allowed(algebra, 'agent-b', 'execute')).toBe(false);
  });

  it('of a non-delegatable capability throws AccessDeniedError', () => {
    const { algebra } = setup();
    const root = algebra.grant({ ...toolRead, delegatable: false });
    expect(() => algebra.delegate(root, 'agent-b')).toThrow(AccessDeniedError);
  });

  it('of a forged object claiming delegatable: true throws (the stored capability is not delegatable)', () => {
    const { algebra } = setup();
    const root = algebra.grant({ ...toolRead, delegatable: false });
    const forged = { ...root, delegatable: true };
    expect(() => algebra.delegate(forged, 'agent-b')).toThrow(AccessDeniedError);
    expect(allowed(algebra, 'agent-b')).toBe(false);
  });

  it('of a revoked or expired capability throws AccessDeniedError', () => {
    const { algebra, clock } = setup();
    const revoked = algebra.grant(toolRead);
    algebra.revoke(revoked.id);
    expect(() => algebra.delegate(revoked, 'agent-b')).toThrow(AccessDeniedError);
    const expired = algebra.grant({ ...toolRead, expiresAt: START + 5 });
    clock.time = START + 5;
    expect(() => algebra.delegate(expired, 'agent-b')).toThrow(AccessDeniedError);
  });

  it('beyond maxDelegationDepth throws AccessDeniedError', () => {
    const { algebra } = setup({ maxDelegationDepth: 2 });
    const root = algebra.grant(toolRead);
    const first = algebra.delegate(root, 'agent-b');
    const second = algebra.delegate(first, 'agent-c');
    expect(second.delegationDepth).toBe(2);
    expect(() => algebra.delegate(second, 'agent-d')).toThrow(AccessDeniedError);
  });

  it('with maxDelegationDepth 0 forbids delegation; restrict does not count as a level', () => {
    const { algebra } = setup({ maxDelegationDepth: 0 });
    const root = algebra.grant(toolRead);
    expect(algebra.restrict(root, { actions: ['read'] }).delegationDepth).toBe(0);
    expect(() => algebra.delegate(root, 'agent-b')).toThrow(AccessDeniedError);
  });

  it('with an empty target agent throws InvalidInputError', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    expect(() => algebra.delegate(root, '')).toThrow(InvalidInputError);
  });

  it('by an agent listing 300,000 actions answers at once (each action was searched for in the whole list: hours)', () => {
    // The delegating agent chooses the restrictions: a few megabytes of JSON must not stall the
    // synchronous algebra (and the process's event loop with it) for hours.
    const { algebra } = setup();
    const actions = Array.from({ length: 300_000 }, (_, index) => `action-${index}`);
    const all = algebra.grant({ ...toolRead, actions: ['*'] });
    const wide = algebra.delegate(all, 'agent-b', { actions: [...actions, ...actions] });
    expect(wide.actions).toHaveLength(300_000);
    const narrow = algebra.delegate(wide, 'agent-c', { actions: [...actions].reverse() });
    expect(narrow.actions).toHaveLength(300_000);
    expect(narrow.actions[0]).toBe('action-0');
    expect(algebra.isSubset(narrow, wide)).toBe(true);
    expect(algebra.isAllowed('agent-c', 'tool', 'bash', 'action-299999')).toBe(true);
  });
});

describe('getDelegationChain(capabilityId)', () => {
  it('returns the chain root first, through restrictions and delegations', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    const restricted = algebra.restrict(root, { actions: ['read', 'execute'] });
    const delegated = algebra.delegate(restricted, 'agent-b');
    const leaf = algebra.delegate(delegated, 'agent-c');
    expect(algebra.getDelegationChain(leaf.id).map((capability) => capability.id)).toEqual([
      root.id,
      restricted.id,
      delegated.id,
      leaf.id,
    ]);
    expect(algebra.getDelegationChain(root.id).map((capability) => capability.id)).toEqual([root.id]);
    expect(algebra.getDelegationChain('unknown')).toEqual([]);
  });
});

describe('compose(first, second)', () => {
  it('intersects actions, unites constraints, keeps the earlier expiry, delegatable only if both', () => {
    const { algebra } = setup();
    const first = algebra.grant({ ...toolRead, expiresAt: START + 500 });
    const second = algebra.grant({
      ...toolRead,
      actions: ['read', 'admin'],
      delegatable: false,
      constraints: [{ type: 'budget', params: { limit: 3 } }],
      expiresAt: START + 100,
    });
    const composed = algebra.compose(first, second);
    expect(composed).toMatchObject({
      actions: ['read'],
      constraints: [{ type: 'budget', params: { limit: 3 } }],
      expiresAt: START + 100,
      delegatable: false,
      parentCapabilityId: null,
      derivation: 'compose',
      derivedFrom: [first.id, second.id],
    });
  });

  it("treats a '*' resource or action as the other side's, as check does", () => {
    const { algebra } = setup();
    const any = algebra.grant({ ...toolRead, resource: '*', actions: ['*'] });
    const bash = algebra.grant(toolRead);
    const composed = algebra.compose(any, bash);
    expect(composed.resource).toBe('bash');
    expect(composed.actions).toEqual(['read', 'execute']);
  });

  it('of different scopes or different concrete resources throws InvalidInputError', () => {
    const { algebra } = setup();
    const bash = algebra.grant(toolRead);
    const git = algebra.grant({ ...toolRead, resource: 'git' });
    const data = algebra.grant({ ...toolRead, scope: 'data' });
    expect(() => algebra.compose(bash, git)).toThrow(InvalidInputError);
    expect(() => algebra.compose(bash, data)).toThrow(InvalidInputError);
  });

  it('of a forged or revoked capability throws (CapabilityNotFoundError, AccessDeniedError)', () => {
    const { algebra } = setup();
    const bash = algebra.grant(toolRead);
    expect(() => algebra.compose(bash, { id: 'forged' })).toThrow(CapabilityNotFoundError);
    const revoked = algebra.grant(toolRead);
    algebra.revoke(revoked.id);
    expect(() => algebra.compose(bash, revoked)).toThrow(AccessDeniedError);
  });
});

describe('isSubset(inner, outer)', () => {
  it('is true for a restriction of a capability and false the other way round', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    const narrowed = algebra.restrict(root, { actions: ['read'] });
    expect(algebra.isSubset(narrowed, root)).toBe(true);
    expect(algebra.isSubset(root, narrowed)).toBe(false);
  });

  it('counts constraints: the unconstrained source is not inside its constrained restriction (seed: true)', () => {
    const { algebra } = setup();
    const root = algebra.grant(toolRead);
    const budgeted = algebra.restrict(root, { constraints: [{ type: 'budget', params: { limit: 1 } }] });
    expect(algebra.isSubset(budgeted, root)).toBe(true);
    expect(algebra.isSubset(root, budgeted)).toBe(false);
  });

  it("reads '*' as check does: a concrete resource and actions are inside '*', not the reverse", () => {
    const { algebra } = setup();
    const any = algebra.grant({ ...toolRead, resource: '*', actions: ['*'] });
    const bash = algebra.grant(toolRead);
    expect(algebra.isSubset(bash, any)).toBe(true);
    expect(algebra.isSubset(any, bash)).toBe(false);
  });

  it('compares expiry: a capability that never expires is not inside one that does', () => {
    const { algebra } = setup();
    const forever = algebra.grant(toolRead);
    const brief = algebra.grant({ ...toolRead, expiresAt: START + 10 });
    expect(algebra.isSubset(brief, forever)).toBe(true);
    expect(algebra.isSubset(forever, brief)).toBe(false);
  });

  it('is false when outer is revoked and inner is not; throws CapabilityNotFoundError for forged ids', () => {
    const { algebra } = setup();
    const outer = algebra.grant(toolRead);
    const inner = algebra.grant({ ...toolRead, actions: ['read'] });
    algebra.revoke(outer.id);
    expect(algebra.isSubset(inner, outer)).toBe(false);
    expect(() => algebra.isSubset({ id: 'forged' }, outer)).toThrow(CapabilityNotFoundError);
  });

  it('is false when outer was ended by expire and inner was not: a clock set back revives only inner', () => {
    const { algebra, clock } = setup();
    const outer = algebra.grant(toolRead);
    const inner = algebra.grant({ ...toolRead, grantedTo: 'agent-b', actions: ['read'], expiresAt: START + 5 });
    clock.time = START + 10;
    algebra.expire(outer.id);
    clock.time = START + 1;
    expect(algebra.check('agent-b', 'tool', 'bash', 'read').allowed).toBe(true);
    expect(algebra.check('agent-a', 'tool', 'bash', 'read').allowed).toBe(false);
    expect(algebra.isSubset(inner, outer)).toBe(false);
    expect(algebra.isSubset(outer, outer)).toBe(true);
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('grant(params) with shared action lists', () => {
  it('never confuses two lists that join to the same text', () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant({ ...toolRead, grantedTo: 'x', actions: ['read\u0000write'] });
    const split = algebra.grant({ ...toolRead, grantedTo: 'y', actions: ['read', 'write'] });
    expect(split.actions).toEqual(['read', 'write']);
    expect(algebra.check('y', 'tool', 'bash', 'read\u0000write').allowed).toBe(false);
    const joined = algebra.grant({ ...toolRead, grantedTo: 'z', actions: ['read,write'] });
    expect(joined.actions).toEqual(['read,write']);
  });
});
