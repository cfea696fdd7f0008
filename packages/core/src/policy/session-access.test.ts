import { describe, expect, it } from 'vitest';
import type { InjectionSource } from '../sources.js';
import { type SecurityConfig, securityConfigSchema } from './config-schema.js';
import { evaluateSessionAccess, isExplicitPattern, matchesAccessPattern } from './session-access.js';

const config = (input: object): SecurityConfig => securityConfigSchema.parse(input);

const source = (overrides: Partial<InjectionSource>): InjectionSource => ({
  type: 'api',
  trustLevel: 'semi-trusted',
  ...overrides,
});

describe('matchesAccessPattern(source, pattern)', () => {
  it('trust:<level> admits that level and above, never below', () => {
    expect(matchesAccessPattern(source({ trustLevel: 'trusted' }), 'trust:trusted')).toBe(true);
    expect(matchesAccessPattern(source({ trustLevel: 'owner' }), 'trust:trusted')).toBe(true);
    expect(matchesAccessPattern(source({ trustLevel: 'semi-trusted' }), 'trust:trusted')).toBe(false);
    expect(matchesAccessPattern(source({ trustLevel: 'untrusted' }), 'trust:semi-trusted')).toBe(false);
    expect(matchesAccessPattern(source({ trustLevel: 'owner' }), 'trust:nonsense')).toBe(false);
  });

  it('type:, p2p: and session: match exactly what they name', () => {
    expect(matchesAccessPattern(source({ type: 'cron' }), 'type:cron')).toBe(true);
    expect(matchesAccessPattern(source({ type: 'api' }), 'type:cron')).toBe(false);
    const peer = source({ type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'key-1' } });
    expect(matchesAccessPattern(peer, 'p2p:key-1')).toBe(true);
    expect(matchesAccessPattern(peer, 'p2p:key-2')).toBe(false);
    expect(matchesAccessPattern({ ...peer, type: 'p2p-discovery' }, 'p2p:key-1')).toBe(true);
    // A public key claimed by a source that is not a peer matches nothing.
    expect(matchesAccessPattern({ ...peer, type: 'api' }, 'p2p:key-1')).toBe(false);
    // Only a gateway source counts as forwarded by a gateway.
    const forwarded = source({ type: 'gateway', identity: { gatewaySession: 'gateway-eu' } });
    expect(matchesAccessPattern(forwarded, 'session:gateway-*')).toBe(true);
    expect(matchesAccessPattern(forwarded, 'session:other')).toBe(false);
    expect(matchesAccessPattern(source({}), 'session:*')).toBe(false);
    expect(matchesAccessPattern({ ...forwarded, type: 'p2p-discovery' }, 'session:gateway-*')).toBe(false);
  });

  it('* admits everyone; unknown kinds admit no one', () => {
    expect(matchesAccessPattern(source({ trustLevel: 'untrusted' }), '*')).toBe(true);
    expect(matchesAccessPattern(source({ type: 'cron' }), 'kind:cron')).toBe(false);
    expect(matchesAccessPattern(source({ type: 'cron' }), 'cron')).toBe(false);
  });

  it('isExplicitPattern(pattern) is true for type:, p2p: and session: only', () => {
    expect(['type:cron', 'p2p:key', 'session:gw'].map(isExplicitPattern)).toEqual([true, true, true]);
    expect(['trust:owner', '*', 'type', ':cron', 'other:x'].map(isExplicitPattern)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('evaluateSessionAccess(config, source, session)', () => {
  it('keeps the minTrustLevel floor for trust: and * patterns', () => {
    const floor = config({ minTrustLevel: 'trusted', sessions: { main: { access: ['trust:untrusted', '*'] } } });
    const verdict = evaluateSessionAccess(floor, source({ trustLevel: 'semi-trusted' }), 'main');
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toMatch(/below the minimum 'trusted'/);
    expect(evaluateSessionAccess(floor, source({ trustLevel: 'trusted' }), 'main')).toMatchObject({ allowed: true });
  });

  it('lets a session name a source below the floor explicitly', () => {
    const explicit = config({ minTrustLevel: 'trusted', sessions: { main: { access: ['type:cron', 'trust:owner'] } } });
    expect(evaluateSessionAccess(explicit, source({ type: 'cron', trustLevel: 'untrusted' }), 'main')).toEqual({
      allowed: true,
      reason: 'matched type:cron',
    });
    expect(evaluateSessionAccess(explicit, source({ type: 'api', trustLevel: 'trusted' }), 'main').allowed).toBe(false);
  });

  it('admits owners always, and nobody else through an empty access list', () => {
    const closed = config({ minTrustLevel: 'untrusted', sessions: { main: { access: [] } } });
    expect(evaluateSessionAccess(closed, source({ trustLevel: 'owner' }), 'main')).toEqual({
      allowed: true,
      reason: 'owner',
    });
    const denied = evaluateSessionAccess(closed, source({ trustLevel: 'trusted' }), 'main');
    expect(denied.allowed).toBe(false);
    expect(denied.reason).toMatch(/does not match the access rules of session main/);
  });

  it('falls back to defaultAccess for a session without its own list, never to an inherited property', () => {
    const defaults = config({ minTrustLevel: 'untrusted', defaultAccess: ['trust:trusted'] });
    expect(evaluateSessionAccess(defaults, source({ trustLevel: 'trusted' }), 'other').allowed).toBe(true);
    expect(evaluateSessionAccess(defaults, source({ trustLevel: 'semi-trusted' }), 'other').allowed).toBe(false);
    expect(evaluateSessionAccess(defaults, source({ trustLevel: 'semi-trusted' }), 'constructor').allowed).toBe(false);
  });

  it('reports the generic pattern that admitted the source', () => {
    const generic = config({ minTrustLevel: 'untrusted', sessions: { main: { access: ['trust:trusted', '*'] } } });
    expect(evaluateSessionAccess(generic, source({ trustLevel: 'trusted' }), 'main')).toEqual({
      allowed: true,
      reason: 'matched trust:trusted',
    });
    expect(evaluateSessionAccess(generic, source({ trustLevel: 'untrusted' }), 'main')).toEqual({
      allowed: true,
      reason: 'matched *',
    });
  });
});

describe('evaluateSessionAccess(config, source, session) given a source the engine would refuse', () => {
  const rules = config({ sessions: { ops: { access: ['p2p:key-1'] } }, minTrustLevel: 'trusted' });

  it('refuses an identity inherited from the prototype with INVALID_INPUT, never matching p2p:<key>', () => {
    const inherited = Object.assign(Object.create({ identity: { publicKey: 'key-1' } }) as object, {
      type: 'p2p',
      trustLevel: 'untrusted',
    }) as InjectionSource;
    expect(() => evaluateSessionAccess(rules, inherited, 'ops')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses an unknown type or trust level, a non-object source and a non-string session', () => {
    for (const bad of [
      { type: 'p2p', trustLevel: 'Owner' },
      { type: 'nonsense', trustLevel: 'owner' },
      null,
      'owner',
    ]) {
      expect(() => evaluateSessionAccess(rules, bad as unknown as InjectionSource, 'ops')).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
    expect(() => evaluateSessionAccess(rules, source({ trustLevel: 'owner' }), ['ops'] as unknown as string)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  const refused = expect.objectContaining({ code: 'INVALID_INPUT' });

  it('refuses a source missing its type or trust level, or holding a BigInt, with INVALID_INPUT', () => {
    for (const bad of [{ trustLevel: 'owner' }, { type: 'cli' }, {}, { type: 1n, trustLevel: 'owner' }]) {
      expect(() => evaluateSessionAccess(rules, bad as unknown as InjectionSource, 'ops')).toThrow(refused);
    }
  });

  it('refuses non-objects and objects that are no source: undefined, numbers, arrays, functions', () => {
    const owner = { type: 'cli', trustLevel: 'owner' };
    for (const bad of [undefined, 42, true, Object.assign(['x'], owner), Object.assign(() => 1, owner)]) {
      expect(() => evaluateSessionAccess(rules, bad as unknown as InjectionSource, 'ops')).toThrow(refused);
    }
  });

  it('refuses a trust level or type inherited from a prototype, a "__proto__" member or a polluted Object.prototype', () => {
    const inheritedTrust = Object.assign(Object.create({ trustLevel: 'owner' }) as object, { type: 'p2p' });
    const fromJson = JSON.parse('{"type":"p2p","__proto__":{"trustLevel":"owner"}}');
    const merged = Object.assign({ type: 'p2p' }, fromJson);
    for (const bad of [inheritedTrust, merged]) {
      expect(() => evaluateSessionAccess(rules, bad as InjectionSource, 'ops')).toThrow(refused);
    }
    const prototype = Object.prototype as Record<string, unknown>;
    try {
      prototype.trustLevel = 'owner';
      expect(() => evaluateSessionAccess(rules, { type: 'p2p' } as InjectionSource, 'ops')).toThrow(refused);
      delete prototype.trustLevel;
      prototype.publicKey = 'key-1';
      const peer = { type: 'p2p', trustLevel: 'untrusted', identity: {} } as InjectionSource;
      expect(() => evaluateSessionAccess(rules, peer, 'ops')).toThrow(refused);
      delete prototype.publicKey;
      prototype[0] = 'admin';
      // biome-ignore lint/suspicious/noSparseArray: a hole read through the prototype is the attack
      const holey = { type: 'p2p', trustLevel: 'untrusted', grantedCapabilities: [, 'inject'] } as InjectionSource;
      expect(() => evaluateSessionAccess(rules, holey, 'ops')).toThrow(refused);
    } finally {
      delete prototype.trustLevel;
      delete prototype.publicKey;
      delete prototype[0];
    }
  });

  it('refuses a source whose trust level or key is a getter, which could pass the check as one value and decide as another', () => {
    let reads = 0;
    const flipping = {
      type: 'p2p',
      get trustLevel() {
        reads += 1;
        return reads === 1 ? 'untrusted' : 'owner';
      },
    };
    expect(() => evaluateSessionAccess(rules, flipping as InjectionSource, 'ops')).toThrow(refused);
    let keyReads = 0;
    const identity = {
      get publicKey() {
        keyReads += 1;
        return keyReads === 1 ? 'someone-else' : 'key-1';
      },
    };
    const peer = { type: 'p2p', trustLevel: 'untrusted', identity } as InjectionSource;
    expect(() => evaluateSessionAccess(rules, peer, 'ops')).toThrow(refused);
  });

  it('decides on what it checked when a Proxy answers each read differently', () => {
    let reads = 0;
    const shifty = new Proxy({ type: 'p2p', trustLevel: 'untrusted' } as Record<string, unknown>, {
      get(target, key) {
        if (key !== 'trustLevel') return target[key as string];
        reads += 1;
        return reads === 1 ? 'untrusted' : 'owner';
      },
    });
    expect(evaluateSessionAccess(rules, shifty as unknown as InjectionSource, 'ops').allowed).toBe(false);
  });

  it('still decides a well-formed source as before', () => {
    const peer = source({ type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'key-1' } });
    expect(evaluateSessionAccess(rules, peer, 'ops').allowed).toBe(true);
    expect(evaluateSessionAccess(rules, { ...peer, identity: { publicKey: 'key-2' } }, 'ops').allowed).toBe(false);
  });
});
