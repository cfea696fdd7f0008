import { describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from './capability-registry.js';
import { InvalidInputError } from './errors.js';
import type { SecurityConfigInput } from './policy/config-schema.js';
import { createSecurityEngine, type SecurityEngine } from './security-engine.js';
import type { InjectionSource } from './sources.js';

// The attacker: code that hands the engine a source object it built itself (a plugin host, a
// request decoder), answering the engine's check with an untrusted peer and every later read
// with an owner, a CLI source, another peer's key or extra grants.

const CONFIG: SecurityConfigInput = {
  sessions: {
    // Only owners, and the one peer key named here, get in, directly or through the gateway.
    vault: { access: ['p2p:friend-key'] },
    'friends-gateway': { access: ['p2p:friend-key'], gateway: { allowForwardTo: ['vault'] } },
  },
};

function engine(): SecurityEngine {
  return createSecurityEngine({ config: CONFIG, registry: createCapabilityRegistry(), now: () => 1_000 });
}

/** What the source says on its first read of each field, then on every later read. */
interface Answers {
  first: Record<string, unknown>;
  later: Record<string, unknown>;
}

const BENIGN = { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'stranger-key' } };

const SHIFTS: readonly [string, Answers][] = [
  ['trustLevel untrusted, then owner', { first: BENIGN, later: { ...BENIGN, trustLevel: 'owner' } }],
  ['type p2p, then cli (and owner)', { first: BENIGN, later: { ...BENIGN, type: 'cli', trustLevel: 'owner' } }],
  [
    'identity stranger-key, then friend-key',
    { first: BENIGN, later: { ...BENIGN, identity: { publicKey: 'friend-key' } } },
  ],
  ['no grants, then "*"', { first: BENIGN, later: { ...BENIGN, grantedCapabilities: ['*'] } }],
];

/**
 * A Proxy that answers each field's first read (through `get` or `getOwnPropertyDescriptor`,
 * whichever the engine uses) from `first`, and every later read of it from `later`.
 */
function shiftingSource({ first, later }: Answers): InjectionSource {
  const reads = new Map<PropertyKey, number>();
  const answer = (key: PropertyKey): unknown => {
    const count = (reads.get(key) ?? 0) + 1;
    reads.set(key, count);
    return (count === 1 ? first : later)[key as string];
  };
  const target: Record<string, unknown> = { ...first, ...later };
  return new Proxy(target, {
    get: (_target, key) => answer(key),
    getOwnPropertyDescriptor: (_target, key) => {
      if (!Object.hasOwn(first, key) && !Object.hasOwn(later, key)) return undefined;
      return { value: answer(key), writable: true, enumerable: true, configurable: true };
    },
    has: (_target, key) => Object.hasOwn(first, key) || Object.hasOwn(later, key),
  }) as unknown as InjectionSource;
}

/**
 * A Proxy whose descriptors (what a careful check reads) say `first` and whose plain reads (what
 * policy code does with `source.trustLevel`) say `later`, every time.
 */
function twoFacedSource({ first, later }: Answers): InjectionSource {
  const target: Record<string, unknown> = { ...first };
  return new Proxy(target, { get: (_target, key) => later[key as string] }) as unknown as InjectionSource;
}

/** Runs `decide` and says whether it allowed; a refusal (`INVALID_INPUT`) counts as not allowed. */
function allows(decide: () => boolean): boolean {
  try {
    return decide();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return false;
  }
}

describe.each([
  ['answers its first read of each field one way and later reads another', shiftingSource],
  ['answers its descriptors one way and its plain reads another', twoFacedSource],
])('createSecurityEngine(...) given a source that %s (a Proxy)', (_kind, makeSource) => {
  it.each(SHIFTS)('checkSessionAccess decides as first answered, never admits it (%s)', (_shift, answers) => {
    expect(allows(() => engine().checkSessionAccess(makeSource(answers), 'vault').allowed)).toBe(false);
  });

  it.each(SHIFTS)('checkCapability never grants config.write (%s)', (_shift, answers) => {
    expect(allows(() => engine().checkCapability(makeSource(answers), 'main', 'config.write').allowed)).toBe(false);
  });

  it.each(SHIFTS)('checkToolAccess never allows Bash (%s)', (_shift, answers) => {
    expect(allows(() => engine().checkToolAccess(makeSource(answers), 'main', 'Bash').allowed)).toBe(false);
  });

  it.each(SHIFTS)('filterToolsByPolicy never lets Bash through (%s)', (_shift, answers) => {
    expect(
      allows(() => engine().filterToolsByPolicy(['Read', 'Bash'], makeSource(answers), 'main').includes('Bash')),
    ).toBe(false);
  });

  it.each(SHIFTS)('resolvePolicy resolves the untrusted peer it checked, or refuses (%s)', (_shift, answers) => {
    expect(
      allows(() => {
        const policy = engine().resolvePolicy(makeSource(answers), 'main');
        return policy.trustLevel !== 'untrusted' || policy.capabilities.includes('*');
      }),
    ).toBe(false);
  });

  it.each(SHIFTS)('findGatewayForSource offers the stranger it checked no gateway (%s)', (_shift, answers) => {
    // As an owner or as friend-key it would be offered friends-gateway.
    expect(allows(() => engine().findGatewayForSource(makeSource(answers), 'vault') !== null)).toBe(false);
  });
});

describe('createSecurityEngine(...) given a plain source whose fields change between calls', () => {
  it('decides each call on what that call read: a peer made an owner after a check is then an owner', () => {
    const policyEngine = engine();
    const source = { ...BENIGN } as InjectionSource;
    expect(policyEngine.checkSessionAccess(source, 'vault').allowed).toBe(false);
    (source as { trustLevel: string }).trustLevel = 'owner';
    expect(policyEngine.checkSessionAccess(source, 'vault').allowed).toBe(true);
    (source as { trustLevel: string }).trustLevel = 'untrusted';
    expect(policyEngine.checkSessionAccess(source, 'vault').allowed).toBe(false);
  });

  it('refuses a field that became inherited after a cached check', () => {
    const policyEngine = engine();
    const source: Record<string, unknown> = { ...BENIGN };
    expect(policyEngine.checkCapability(source as unknown as InjectionSource, 'main', 'config.write').allowed).toBe(
      false,
    );
    source.grantedCapabilities = undefined;
    delete source.grantedCapabilities;
    const withInherited = Object.setPrototypeOf(source, { grantedCapabilities: ['*'] }) as InjectionSource;
    expect(() => policyEngine.checkCapability(withInherited, 'main', 'config.write')).toThrow(InvalidInputError);
  });
});

describe('createSecurityEngine(...) reports the source it decided on, not the caller’s object', () => {
  /** The denial events one check emits, with the source each carries. */
  function denialSources(
    check: (policyEngine: SecurityEngine, source: InjectionSource) => unknown,
    source: InjectionSource,
  ) {
    const policyEngine = engine();
    const sources: InjectionSource[] = [];
    policyEngine.events.on('security', (event) => {
      if (event.source !== undefined) sources.push(event.source);
    });
    check(policyEngine, source);
    return sources;
  }

  const CHECKS: readonly [string, (policyEngine: SecurityEngine, source: InjectionSource) => unknown][] = [
    ['checkSessionAccess', (policyEngine, source) => policyEngine.checkSessionAccess(source, 'vault')],
    ['checkCapability', (policyEngine, source) => policyEngine.checkCapability(source, 'main', 'config.write')],
    ['checkToolAccess', (policyEngine, source) => policyEngine.checkToolAccess(source, 'main', 'Bash')],
    ['filterToolsByPolicy', (policyEngine, source) => policyEngine.filterToolsByPolicy(['Bash'], source, 'main')],
  ];

  it.each(CHECKS)(
    '%s: a Proxy that turns into a local owner after the check is reported as the peer it was',
    (_name, check) => {
      const source = shiftingSource({ first: BENIGN, later: { ...BENIGN, type: 'cli', trustLevel: 'owner' } });
      const [reported, ...rest] = denialSources(check, source);
      expect(rest).toEqual([]);
      expect(reported).not.toBe(source);
      // Read as an audit sink would, after the check: still the untrusted peer that was denied.
      expect({ ...reported }).toMatchObject({
        type: 'p2p',
        trustLevel: 'untrusted',
        identity: { publicKey: 'stranger-key' },
      });
    },
  );

  it.each(CHECKS)('%s: a source mutated after the check leaves the event as it was', (_name, check) => {
    const source = { ...BENIGN, identity: { publicKey: 'stranger-key' }, sessionId: 'peer-session', timestamp: 5 };
    const [reported] = denialSources(check, source as InjectionSource);
    source.identity.publicKey = 'friend-key';
    source.trustLevel = 'owner';
    source.sessionId = 'other';
    expect(reported).toEqual({
      type: 'p2p',
      trustLevel: 'untrusted',
      identity: { publicKey: 'stranger-key' },
      sessionId: 'peer-session',
      timestamp: 5,
    });
  });
});
