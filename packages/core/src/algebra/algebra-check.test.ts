import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import type { AlgebraCapability, CapabilityConstraint, GrantCapabilityParams } from './algebra-types.js';
import { createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;

const base: GrantCapabilityParams = {
  scope: 'fs',
  resource: 'repo',
  actions: ['read'],
  grantedBy: 'authority',
  grantedTo: 'agent-a',
};

function withConstraint(constraint: CapabilityConstraint, clockTime = START) {
  const algebra = createCapabilityAlgebra({ now: () => clockTime });
  algebra.grant({ ...base, constraints: [constraint] });
  return (context?: Record<string, unknown>) => algebra.check('agent-a', 'fs', 'repo', 'read', context);
}

describe('check(agentId, scope, resource, action, context?) with constraints', () => {
  it('denies a rate-limit without currentUsage in the context (seed: allowed)', () => {
    const check = withConstraint({ type: 'rate-limit', params: { max: 10 } });
    expect(check().allowed).toBe(false);
    expect(check({}).reason).toMatch(/currentUsage/);
    expect(check({ currentUsage: 9 }).allowed).toBe(true);
    expect(check({ currentUsage: 10 }).allowed).toBe(false);
    expect(check({ currentUsage: '1' }).allowed).toBe(false);
  });

  it('denies a budget without budgetUsed in the context (seed: allowed); allowed while budgetUsed < limit', () => {
    const check = withConstraint({ type: 'budget', params: { limit: 100 } });
    expect(check().allowed).toBe(false);
    expect(check({ other: 1 }).reason).toMatch(/budgetUsed/);
    expect(check({ budgetUsed: 99 }).allowed).toBe(true);
    expect(check({ budgetUsed: 100 }).allowed).toBe(false);
    expect(check({ budgetUsed: Number.NaN }).allowed).toBe(false);
    expect(check({ budgetUsed: -1 }).allowed).toBe(false);
  });

  it('denies a condition whose key is missing from the context (seed: allowed without context)', () => {
    const truthy = withConstraint({ type: 'condition', params: { key: 'reviewed' } });
    expect(truthy().allowed).toBe(false);
    expect(truthy({}).allowed).toBe(false);
    expect(truthy({ reviewed: false }).allowed).toBe(false);
    expect(truthy({ reviewed: true }).allowed).toBe(true);
    const exact = withConstraint({ type: 'condition', params: { key: 'env', value: 'prod' } });
    expect(exact({ env: 'prod' }).allowed).toBe(true);
    expect(exact({ env: 'dev' }).allowed).toBe(false);
  });

  it('does not let an inherited property (constructor, toString) satisfy a condition', () => {
    const check = withConstraint({ type: 'condition', params: { key: 'constructor' } });
    expect(check({}).allowed).toBe(false);
    expect(check({ constructor: 'yes' }).allowed).toBe(true);
  });

  it('does not let an inherited currentUsage, budgetUsed or targetResource satisfy its constraint (prototype pollution)', () => {
    // A context assembled with Object.assign from a parsed request takes a "__proto__" member
    // as its prototype; so does every object once Object.prototype is polluted. A constraint
    // whose input the caller did not give must still deny.
    const cases = [
      [{ type: 'rate-limit', params: { max: 10 } }, 'currentUsage', 0],
      [{ type: 'budget', params: { limit: 100 } }, 'budgetUsed', 0],
      [{ type: 'scope-restriction', params: { pattern: '/src' } }, 'targetResource', '/src/a'],
      [{ type: 'budget', params: { limit: 100 } }, 'budgetUsed', 0, { type: 'condition', params: { key: 'ok' } }],
    ] as const;
    for (const [constraint, input, value, extra] of cases) {
      const algebra = createCapabilityAlgebra({ now: () => START });
      algebra.grant({ ...base, constraints: extra ? [constraint, extra] : [constraint] });
      const polluted = Object.assign({}, JSON.parse(`{"__proto__": {"${input}": ${JSON.stringify(value)}}}`));
      const inherited = Object.create({ [input]: value });
      for (const context of [polluted, inherited, Object.assign(Object.create({ [input]: value }), { ok: true })]) {
        expect(algebra.check('agent-a', 'fs', 'repo', 'read', context)).toMatchObject({
          allowed: false,
          reason: expect.stringContaining(input),
        });
        expect(algebra.isAllowed('agent-a', 'fs', 'repo', 'read', context)).toBe(false);
      }
      expect(algebra.isAllowed('agent-a', 'fs', 'repo', 'read', { [input]: value, ok: true })).toBe(true);
    }
  });

  it('matches scope-restriction by whole path segments: /src does not cover /src-secret (seed: prefix match)', () => {
    const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
    expect(check({ targetResource: '/src' }).allowed).toBe(true);
    expect(check({ targetResource: '/src/index.ts' }).allowed).toBe(true);
    expect(check({ targetResource: '/src-secret/key' }).allowed).toBe(false);
    expect(check({ targetResource: '/srcfile' }).allowed).toBe(false);
    expect(check({ targetResource: '/src/../secret' }).allowed).toBe(false);
    expect(check({ targetResource: '/src/./a' }).allowed).toBe(false);
    expect(check({ targetResource: '/other' }).allowed).toBe(false);
  });

  it.each([
    '/src/%2e%2e/secret',
    '/src/%2E%2e/secret',
    '/src/.%2e/secret',
    '/src/%252e%252e/secret',
    '/src/\u2025/x',
    '/src/\uff0e\uff0e/x',
    '/src/\uff0e/x',
    '/src/.. /x',
    '/src/.../x',
    '/src/%2e/x',
    '/src/a%2f..%2fb',
    '/src/a%5c..%5cb',
    '/src/..\\secret',
    '/src/%zz',
  ])('denies a scope-restriction target with an encoded or confusable dot segment or separator: %j', (target) => {
    const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
    expect(check({ targetResource: target }).allowed).toBe(false);
  });

  it.each([
    '/src/.\t./secret',
    '/src/.\n./secret',
    '/src/..\r/secret',
    '/src/..;/secret',
    '/src/..;jsessionid=1/secret',
    '/src/.%3b/secret',
    '/src/.\u200b./secret',
    '/src/.\u00ad./secret',
    '/src/\ufeff../secret',
    '/src/..\u0085/secret',
  ])(
    'an agent escaping a scope-restriction through a segment a URL parser, a servlet container or an invisible character turns into a dot segment is denied: %j',
    (target) => {
      // new URL('http://h/src/.\t./secret').pathname is '/secret'; Tomcat reads '..;x' as '..'.
      const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
      expect(check({ targetResource: target }).allowed).toBe(false);
    },
  );

  it('still allows path parameters, invisible characters and emoji inside ordinary names', () => {
    const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
    expect(check({ targetResource: '/src/a;b/c' }).allowed).toBe(true);
    expect(check({ targetResource: '/src/\u{1F468}\u200d\u{1F469}.png' }).allowed).toBe(true);
    expect(check({ targetResource: '/src/a.\u200bb' }).allowed).toBe(true);
  });

  it('still allows non-ASCII and percent-free names below the pattern', () => {
    const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
    expect(check({ targetResource: '/src/日本/ファイル.ts' }).allowed).toBe(true);
    expect(check({ targetResource: '/src/a.b/..c/.d' }).allowed).toBe(true);
    expect(check({ targetResource: '/src/a%20b' }).allowed).toBe(true);
  });

  it('refuses a scope-restriction pattern with an encoded or confusable dot segment at grant time', () => {
    const algebra = createCapabilityAlgebra({ now: () => START });
    for (const pattern of ['/src/%2e%2e', '/src/\u2025', '/src/\uff0e\uff0e/x']) {
      expect(() =>
        algebra.grant({ ...base, constraints: [{ type: 'scope-restriction', params: { pattern } }] }),
      ).toThrow(InvalidInputError);
    }
  });

  it.each([
    ['the musical symbol null notehead U+1D159', '\u{1d159}'],
    ['the Khitan small script filler U+16FE4', '\u{16fe4}'],
    ['the braille pattern blank U+2800', '\u2800'],
    ['the interlinear annotation anchor U+FFF9 (a format character)', '\ufff9'],
  ])(
    'an agent hiding %s between two dots of a scope-restriction target or pattern is denied, the pattern refused at grant time',
    (_what, blank) => {
      const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src' } });
      expect(check({ targetResource: `/src/.${blank}./secret` }).allowed).toBe(false);
      expect(check({ targetResource: `/src/${blank}../secret` }).allowed).toBe(false);
      const algebra = createCapabilityAlgebra({ now: () => START });
      const grant = () =>
        algebra.grant({
          ...base,
          constraints: [{ type: 'scope-restriction', params: { pattern: `/src/.${blank}./etc` } }],
        });
      expect(grant).toThrow(InvalidInputError);
      expect(grant).toThrow(/must not contain \. or \.\. segments/);
    },
  );

  it('denies a scope-restriction without targetResource (seed: allowed)', () => {
    const check = withConstraint({ type: 'scope-restriction', params: { pattern: '/src/' } });
    expect(check().allowed).toBe(false);
    expect(check({}).reason).toMatch(/targetResource/);
    expect(check({ targetResource: '/src/a/b' }).allowed).toBe(true);
    expect(check({ targetResource: '/src' }).allowed).toBe(true);
  });

  it('denies an unknown constraint type (seed: ignored it and allowed)', () => {
    const check = withConstraint({ type: 'geo-fence', params: { region: 'eu' } });
    const result = check({ region: 'eu' });
    expect(result.allowed).toBe(false);
    expect(result.reason).toMatch(/unknown type/);
  });

  it('applies a time-window with inclusive bounds, read from the clock', () => {
    const window = { type: 'time-window', params: { start: START, end: START + 10 } };
    expect(withConstraint(window, START - 1)().allowed).toBe(false);
    expect(withConstraint(window, START)().allowed).toBe(true);
    expect(withConstraint(window, START + 10)().allowed).toBe(true);
    expect(withConstraint(window, START + 11)().reason).toMatch(/time-window/);
  });

  it('ignores a `now` passed in the context: time comes only from the clock', () => {
    const check = withConstraint({ type: 'time-window', params: { end: START - 1 } });
    expect(check({ now: START - 100 }).allowed).toBe(false);
  });
});

describe('grant(params) constraint validation', () => {
  const invalid: CapabilityConstraint[] = [
    { type: 'time-window', params: {} },
    { type: 'time-window', params: { start: 10, end: 5 } },
    { type: 'rate-limit', params: { max: '5' } },
    { type: 'budget', params: {} },
    { type: 'condition', params: { key: '' } },
    { type: 'condition', params: { key: 'k', value: { nested: true } } },
    { type: 'scope-restriction', params: { pattern: '/src/../etc' } },
    { type: 'budget', params: { limit: 5, extra: () => 1 } },
  ];
  for (const constraint of invalid) {
    it(`rejects ${JSON.stringify(constraint)} with InvalidInputError`, () => {
      const algebra = createCapabilityAlgebra();
      expect(() => algebra.grant({ ...base, constraints: [constraint] })).toThrow(InvalidInputError);
    });
  }
});

describe("check(...) and '*'", () => {
  it("a '*' resource covers every resource; a request for the literal '*' needs a '*' grant", () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant({ ...base, resource: 'repo', actions: ['*'] });
    expect(algebra.check('agent-a', 'fs', 'repo', 'delete').allowed).toBe(true);
    expect(algebra.check('agent-a', 'fs', '*', 'read').allowed).toBe(false);
    algebra.grant({ ...base, resource: '*', actions: ['read'] });
    expect(algebra.check('agent-a', 'fs', 'anything', 'read').allowed).toBe(true);
    expect(algebra.check('agent-a', 'fs', '*', 'read').allowed).toBe(true);
    expect(algebra.check('agent-a', 'fs', 'anything', '*').allowed).toBe(false);
  });

  it('matches scope exactly', () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant({ ...base, scope: '*' });
    expect(algebra.check('agent-a', 'fs', 'repo', 'read').allowed).toBe(false);
  });
});

describe('check(...) results', () => {
  it('lists every allowing capability and their constraints, like the seed', () => {
    const algebra = createCapabilityAlgebra();
    const exact = algebra.grant({ ...base, constraints: [{ type: 'budget', params: { limit: 9 } }] });
    const any = algebra.grant({ ...base, resource: '*', actions: ['read', 'write'] });
    algebra.grant({ ...base, actions: ['write'] });
    const result = algebra.check('agent-a', 'fs', 'repo', 'read', { budgetUsed: 1 });
    expect(result.allowed).toBe(true);
    expect(result.capabilities.map((capability) => capability.id)).toEqual([exact.id, any.id]);
    expect(result.constraints).toEqual([{ type: 'budget', params: { limit: 9 } }]);
    expect(result.reason).toContain(exact.id);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.capabilities)).toBe(true);
  });

  it('gives the closest reason for a denial', () => {
    const algebra = createCapabilityAlgebra({ now: () => START });
    expect(algebra.check('nobody', 'fs', 'repo', 'read').reason).toMatch(/holds no capabilities/);
    algebra.grant(base);
    expect(algebra.check('agent-a', 'net', 'repo', 'read').reason).toMatch(/covers this scope and resource/);
    expect(algebra.check('agent-a', 'fs', 'repo', 'write').reason).toMatch(/allows this action/);
    const revoked = algebra.grant({ ...base, resource: 'other' });
    algebra.revoke(revoked.id);
    expect(algebra.check('agent-a', 'fs', 'other', 'read').reason).toMatch(/revoked/);
  });

  it('returns the same frozen result for the same answer, rebuilt after the capability changes', () => {
    const algebra = createCapabilityAlgebra();
    const capability = algebra.grant(base);
    const first = algebra.check('agent-a', 'fs', 'repo', 'read');
    expect(algebra.check('agent-a', 'fs', 'repo', 'read')).toBe(first);
    algebra.attest(capability.id, { attesterId: 'reviewer', claim: 'reviewed' });
    const after = algebra.check('agent-a', 'fs', 'repo', 'read');
    expect(after).not.toBe(first);
    expect(after.capabilities[0]?.attestations).toHaveLength(1);
  });

  it('rebuilds a cached result allowed by several capabilities after one of them changes', () => {
    const algebra = createCapabilityAlgebra();
    const first = algebra.grant(base);
    algebra.grant({ ...base, resource: '*' });
    expect(algebra.check('agent-a', 'fs', 'repo', 'read').capabilities).toHaveLength(2);
    algebra.attest(first.id, { attesterId: 'reviewer', claim: 'ok' });
    expect(algebra.check('agent-a', 'fs', 'repo', 'read').capabilities[0]?.attestations).toHaveLength(1);
    algebra.revoke(first.id);
    expect(algebra.check('agent-a', 'fs', 'repo', 'read').capabilities).toHaveLength(1);
  });

  it('rebuilds the cached result of a "*" resource capability on every resource it was checked on', () => {
    // A '*' capability sits in one candidate list per resource of its holder; the result of a
    // check it alone allows is cached per list entry and must be dropped on all of them.
    const algebra = createCapabilityAlgebra();
    const wildcard = algebra.grant({ ...base, resource: '*' });
    algebra.grant({ ...base, resource: 'docs', actions: ['write'] });
    const resources = ['repo', 'docs', 'never-granted'];
    const before = resources.map((resource) => algebra.check('agent-a', 'fs', resource, 'read'));
    for (const result of before) expect(result.capabilities.map((capability) => capability.id)).toEqual([wildcard.id]);
    algebra.attest(wildcard.id, { attesterId: 'reviewer', claim: 'reviewed' });
    for (const resource of resources) {
      expect(algebra.check('agent-a', 'fs', resource, 'read').capabilities[0]?.attestations).toHaveLength(1);
    }
    algebra.revoke(wildcard.id);
    for (const resource of resources) {
      expect(algebra.check('agent-a', 'fs', resource, 'read')).toMatchObject({ allowed: false, capabilities: [] });
    }
  });

  it('answers for capabilities granted, revoked and attested after the first results were cached', () => {
    // Cached results are kept by candidate node in an array sized at the first result built;
    // nodes added later (beyond its headroom) must still get, drop and rebuild their results.
    const algebra = createCapabilityAlgebra();
    algebra.grant(base);
    expect(algebra.check('agent-a', 'fs', 'repo', 'read').allowed).toBe(true);
    const later = Array.from({ length: 40 }, (_, index) => algebra.grant({ ...base, resource: `later-${index}` }));
    algebra.revoke((later[39] as AlgebraCapability).id);
    expect(algebra.check('agent-a', 'fs', 'later-39', 'read')).toMatchObject({ allowed: false, capabilities: [] });
    for (const [index, capability] of later.slice(0, 39).entries()) {
      const result = algebra.check('agent-a', 'fs', `later-${index}`, 'read');
      expect(result.capabilities.map((allowing) => allowing.id)).toEqual([capability.id]);
    }
    algebra.attest((later[5] as AlgebraCapability).id, { attesterId: 'reviewer', claim: 'reviewed' });
    expect(algebra.check('agent-a', 'fs', 'later-5', 'read').capabilities[0]?.attestations).toHaveLength(1);
  });

  it('isAllowed(...) agrees with check(...).allowed', () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant({ ...base, constraints: [{ type: 'budget', params: { limit: 5 } }] });
    for (const budgetUsed of [0, 4, 5, 6]) {
      const context = { budgetUsed };
      expect(algebra.isAllowed('agent-a', 'fs', 'repo', 'read', context)).toBe(
        algebra.check('agent-a', 'fs', 'repo', 'read', context).allowed,
      );
    }
    expect(algebra.isAllowed('nobody', 'fs', 'repo', 'read')).toBe(false);
  });

  it('denies rather than throws for arguments of the wrong type', () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant(base);
    expect(algebra.check(undefined as never, 'fs', 'repo', 'read').allowed).toBe(false);
    expect(algebra.check('agent-a', 'fs', 'repo', 42 as never).allowed).toBe(false);
    expect(algebra.check('__proto__', 'fs', 'repo', 'read').allowed).toBe(false);
  });
});

describe('check(...) index edge cases', () => {
  it('matches actions beyond the 30 that get a bit in the action table', () => {
    const algebra = createCapabilityAlgebra();
    const actions = Array.from({ length: 40 }, (_, index) => `action-${index}`);
    for (const action of actions) algebra.grant({ ...base, actions: [action] });
    algebra.grant({ ...base, grantedTo: 'agent-b', actions: ['action-35', 'action-1'] });
    for (const action of actions) expect(algebra.isAllowed('agent-a', 'fs', 'repo', action)).toBe(true);
    expect(algebra.check('agent-b', 'fs', 'repo', 'action-35').allowed).toBe(true);
    expect(algebra.check('agent-b', 'fs', 'repo', 'action-36').allowed).toBe(false);
    expect(algebra.check('agent-a', 'fs', 'repo', 'action-99').allowed).toBe(false);
  });

  it('lists every allowing capability when more than 30 allow', () => {
    const algebra = createCapabilityAlgebra();
    for (let index = 0; index < 35; index++) algebra.grant(base);
    const result = algebra.check('agent-a', 'fs', 'repo', 'read');
    expect(result.capabilities).toHaveLength(35);
    expect(new Set(result.capabilities.map((capability) => capability.id)).size).toBe(35);
  });

  it("finds '*' resource capabilities granted before or after the concrete ones, on every resource", () => {
    const algebra = createCapabilityAlgebra();
    const early = algebra.grant({ ...base, resource: '*', actions: ['write'] });
    algebra.grant({ ...base, resource: 'one' });
    const late = algebra.grant({ ...base, resource: '*', actions: ['delete'] });
    algebra.grant({ ...base, resource: 'two' });
    for (const resource of ['one', 'two', 'never-granted']) {
      expect(algebra.check('agent-a', 'fs', resource, 'write').capabilities.map((c) => c.id)).toEqual([early.id]);
      expect(algebra.check('agent-a', 'fs', resource, 'delete').capabilities.map((c) => c.id)).toEqual([late.id]);
    }
    expect(algebra.check('agent-a', 'fs', 'never-granted', 'read').allowed).toBe(false);
    expect(algebra.check('agent-a', 'fs', 'one', 'read').allowed).toBe(true);
  });

  it("a '*' action capability allows actions no capability has ever named", () => {
    const algebra = createCapabilityAlgebra();
    algebra.grant({ ...base, actions: ['*'] });
    expect(algebra.check('agent-a', 'fs', 'repo', 'never-named').allowed).toBe(true);
  });
});
