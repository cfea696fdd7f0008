import { describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from './capability-registry.js';
import { createMemoryConfigStore } from './config-store.js';
import { InvalidInputError } from './errors.js';
import type { SecurityConfigInput } from './policy/config-schema.js';
import { createSecurityEngine } from './security-engine.js';
import { createInjectionSource, type InjectionSource } from './sources.js';
import type { TrustLevel } from './trust.js';

const untrusted = createInjectionSource('p2p', { identity: { publicKey: 'peer-key' } });
const semiTrusted = createInjectionSource('api', { identity: { userId: 'user-1' } });
const trusted = createInjectionSource('cron');
const owner = createInjectionSource('cli');

const engineWith = (config: SecurityConfigInput) =>
  createSecurityEngine({ config, registry: createCapabilityRegistry() });

describe('engine.resolvePolicy(source, session)', () => {
  it('uses the built-in profile and sandbox for the trust level when nothing is configured', () => {
    const engine = createSecurityEngine();
    const policy = engine.resolvePolicy(untrusted, 'main');
    expect(policy.trustLevel).toBe('untrusted');
    expect(policy.capabilities).toEqual(['inject']);
    expect(policy.sandbox).toEqual({
      enabled: true,
      networkPolicy: 'none',
      maxMemoryMb: 256,
      maxCpuPercent: 25,
      maxPids: 50,
      timeoutMs: 60_000,
    });
    expect(engine.resolvePolicy(semiTrusted, 'main').sandbox).toEqual({
      enabled: true,
      networkPolicy: 'none',
      maxMemoryMb: 512,
      maxCpuPercent: 50,
      maxPids: 100,
      timeoutMs: 300_000,
    });
    expect(engine.resolvePolicy(trusted, 'main').sandbox).toEqual({ enabled: false });
    expect(engine.resolvePolicy(owner, 'main').capabilities).toEqual(['*']);
    expect(policy.rateLimit).toEqual({ perMinute: 60, perHour: 1000 });
  });

  it('applies per-session capabilities, sandbox, tools and rate limits (WOPR ignored per-session policy)', () => {
    const engine = engineWith({
      sessions: {
        lab: {
          capabilities: ['inject', 'inject.tools', 'inject.exec'],
          sandbox: { maxMemoryMb: 128 },
          tools: { deny: ['Write'] },
          rateLimit: { perMinute: 5 },
        },
      },
    });
    const policy = engine.resolvePolicy(untrusted, 'lab');
    expect(policy.capabilities).toEqual(['inject', 'inject.tools', 'inject.exec']);
    expect(policy.sandbox.maxMemoryMb).toBe(128);
    expect(policy.sandbox.networkPolicy).toBe('none');
    expect(policy.tools.deny).toEqual(['Write']);
    expect(policy.rateLimit).toEqual({ perMinute: 5, perHour: 1000 });
    expect(engine.checkToolAccess(untrusted, 'lab', 'Bash').allowed).toBe(true);
    expect(engine.checkToolAccess(untrusted, 'lab', 'Write').allowed).toBe(false);
    expect(engine.checkToolAccess(untrusted, 'elsewhere', 'Bash').allowed).toBe(false);
  });

  it('lets the most specific layer that sets capabilities define the grant', () => {
    const engine = engineWith({
      defaults: { capabilities: ['inject'] },
      trustLevels: { trusted: { capabilities: ['inject', 'session.spawn'] } },
    });
    expect(engine.resolvePolicy(semiTrusted, 's').capabilities).toEqual(['inject']);
    expect(engine.resolvePolicy(trusted, 's').capabilities).toEqual(['inject', 'session.spawn']);
  });

  it("adds the source's own grants last, still below every deny list", () => {
    const engine = engineWith({ defaults: { denyCapabilities: ['config.write'] } });
    const source = { ...untrusted, grantedCapabilities: ['a2a.call', 'config.write'] };
    expect(engine.checkCapability(source, 's', 'a2a.call').allowed).toBe(true);
    expect(engine.checkCapability(source, 's', 'config.write').allowed).toBe(false);
    expect(engine.checkCapability(untrusted, 's', 'a2a.call').allowed).toBe(false);
  });

  it('unions deny lists across layers and lets deny win over allow (WOPR allow-over-deny)', () => {
    const engine = engineWith({
      defaults: { tools: { deny: ['Bash'] } },
      trustLevels: { owner: { tools: { deny: ['Web*'] } } },
      sessions: { ops: { tools: { allow: ['Bash', 'WebFetch', 'Read'] } } },
    });
    expect(engine.resolvePolicy(owner, 'ops').tools.deny).toEqual(['Bash', 'Web*']);
    expect(engine.checkToolAccess(owner, 'ops', 'Bash').allowed).toBe(false);
    expect(engine.checkToolAccess(owner, 'ops', 'WebFetch').allowed).toBe(false);
    expect(engine.checkToolAccess(owner, 'ops', 'Read').allowed).toBe(true);
    expect(engine.checkToolAccess(owner, 'ops', 'Edit').reason).toMatch(/not in the allowed tools/);
  });

  it('lets a capability deny in one layer win over a grant in a later one', () => {
    const engine = engineWith({
      defaults: { denyCapabilities: ['inject.exec'] },
      sessions: { lab: { capabilities: ['*'] } },
    });
    expect(engine.checkCapability(untrusted, 'lab', 'inject.exec').allowed).toBe(false);
    expect(engine.checkCapability(untrusted, 'lab', 'inject.network').allowed).toBe(true);
    expect(engine.resolvePolicy(untrusted, 'lab').deniedCapabilities).toEqual(['inject.exec']);
  });

  it('returns a frozen policy, the same object until the configuration changes', async () => {
    const engine = engineWith({});
    const first = engine.resolvePolicy(semiTrusted, 's');
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.capabilities)).toBe(true);
    expect(engine.resolvePolicy({ ...semiTrusted }, 's')).toBe(first);
    await engine.saveConfig({ trustLevels: { 'semi-trusted': { capabilities: ['inject'] } } });
    const second = engine.resolvePolicy(semiTrusted, 's');
    expect(second).not.toBe(first);
    expect(second.capabilities).toEqual(['inject']);
  });

  it('re-resolves when a plugin registers a capability a wildcard covers', () => {
    const registry = createCapabilityRegistry();
    const engine = createSecurityEngine({ registry, config: { sessions: { s: { capabilities: ['memory.*'] } } } });
    expect(engine.checkCapability(untrusted, 's', 'memory.read').allowed).toBe(false);
    registry.register('memory-plugin', { capabilities: ['memory.read'], tools: { memory_search: 'memory.read' } });
    expect(engine.checkCapability(untrusted, 's', 'memory.read').allowed).toBe(true);
    expect(engine.checkToolAccess(untrusted, 's', 'memory_search').allowed).toBe(true);
  });

  it('keys the cache by every identity field, so crafted identities cannot share an entry', () => {
    const engine = engineWith({ sessions: { s: { access: ['p2p:a|1:b'] } } });
    const allowed: InjectionSource = { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'a|1:b' } };
    const crafted: InjectionSource = {
      type: 'p2p',
      trustLevel: 'untrusted',
      identity: { publicKey: 'a', userId: 'b' },
    };
    expect(engine.checkSessionAccess(allowed, 's').allowed).toBe(true);
    expect(engine.checkSessionAccess(crafted, 's').allowed).toBe(false);
  });
});

describe('the per-source cache', () => {
  it('sees a source changed in place: trust level, identity and grants', () => {
    const engine = engineWith({ sessions: { s: { access: ['p2p:friend'] } } });
    const source: InjectionSource = { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'stranger' } };
    expect(engine.checkCapability(source, 's', 'inject.tools').allowed).toBe(false);
    source.trustLevel = 'trusted';
    expect(engine.checkCapability(source, 's', 'inject.tools').allowed).toBe(true);
    source.trustLevel = 'untrusted';
    expect(engine.checkCapability(source, 's', 'inject.tools').allowed).toBe(false);

    expect(engine.checkSessionAccess(source, 's').allowed).toBe(false);
    (source.identity as { publicKey: string }).publicKey = 'friend';
    expect(engine.checkSessionAccess(source, 's').allowed).toBe(true);

    const grants = ['inject.tools'];
    source.grantedCapabilities = grants;
    expect(engine.checkCapability(source, 's', 'inject.tools').allowed).toBe(true);
    grants.pop();
    expect(engine.checkCapability(source, 's', 'inject.tools').allowed).toBe(false);
  });

  it('validates a source changed in place into an unknown trust level', () => {
    const engine = engineWith({});
    const source: InjectionSource = createInjectionSource('p2p');
    engine.checkToolAccess(source, 's', 'Read');
    (source as { trustLevel: string }).trustLevel = 'root';
    expect(() => engine.checkToolAccess(source, 's', 'Read')).toThrow(InvalidInputError);
  });
});

describe('tools without a capability mapping', () => {
  const tools = ['Read', 'Bash', 'custom_tool', 'WebFetch'];

  it('are denied by checkToolAccess and filterToolsByPolicy alike (WOPR check/filter disagreement)', () => {
    const engine = engineWith({});
    expect(engine.checkToolAccess(owner, 's', 'custom_tool')).toEqual({
      allowed: false,
      reason: 'Tool custom_tool has no capability mapping and unmapped tools are denied',
    });
    expect(engine.filterToolsByPolicy(tools, owner, 's')).toEqual(['Read', 'Bash', 'WebFetch']);
  });

  it('are allowed by both when unmappedTools is "allow", and mapped through toolCapabilities', () => {
    const allowing = engineWith({ unmappedTools: 'allow' });
    expect(allowing.checkToolAccess(semiTrusted, 's', 'custom_tool').allowed).toBe(true);
    expect(allowing.filterToolsByPolicy(tools, semiTrusted, 's')).toEqual(['Read', 'custom_tool']);
    const mapping = engineWith({ toolCapabilities: { custom_tool: 'a2a.call' } });
    expect(mapping.checkToolAccess(trusted, 's', 'custom_tool')).toEqual({
      allowed: true,
      requiredCapability: 'a2a.call',
    });
    expect(mapping.checkToolAccess(semiTrusted, 's', 'custom_tool').requiredCapability).toBe('a2a.call');
  });
});

describe('engine checks with an unknown trust level or source type', () => {
  const bad = [
    { type: 'p2p', trustLevel: 'root' },
    { type: 'email', trustLevel: 'owner' },
    { type: 'p2p', trustLevel: 'constructor' },
    { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 42 } },
    { type: 'p2p', trustLevel: 'untrusted', grantedCapabilities: ['bad name'] },
  ] as unknown as InjectionSource[];

  it('throw INVALID_INPUT from every check instead of granting', () => {
    const engine = engineWith({});
    for (const source of bad) {
      expect(() => engine.resolvePolicy(source, 's')).toThrow(InvalidInputError);
      expect(() => engine.checkSessionAccess(source, 's')).toThrow(InvalidInputError);
      expect(() => engine.checkCapability(source, 's', 'inject')).toThrow(InvalidInputError);
      expect(() => engine.checkToolAccess(source, 's', 'Read')).toThrow(InvalidInputError);
      expect(() => engine.filterToolsByPolicy(['Read'], source, 's')).toThrow(InvalidInputError);
    }
    expect(() => engine.checkToolAccess(owner, '', 'Read')).toThrow(InvalidInputError);
    expect(() => engine.filterToolsByPolicy('Read' as unknown as string[], owner, 's')).toThrow(InvalidInputError);
    expect(() => engine.checkCapability(owner, 's', '' as TrustLevel)).toThrow(InvalidInputError);
  });
});

describe('a source whose grants or identity are inherited (prototype pollution)', () => {
  // Anyone who can pollute Object.prototype elsewhere in the process (a "__proto__" key merged
  // from a request), or whose "__proto__" member Object.assign made a source's prototype, must
  // not hand every source a grant or someone else's identity: optional fields policy reads
  // count only as the source's own.
  const config: SecurityConfigInput = { sessions: { s: { access: ['p2p:friend'] } } };
  const checks = (engine: ReturnType<typeof engineWith>, source: InjectionSource) => [
    () => engine.resolvePolicy(source, 's'),
    () => engine.checkCapability(source, 's', 'config.write'),
    () => engine.checkSessionAccess(source, 's'),
    () => engine.checkToolAccess(source, 's', 'Bash'),
    () => engine.findGatewayForSource(source, 's'),
  ];
  const peer = (): InjectionSource => ({ type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'stranger' } });

  it('a source given a "*" grant or a friend\'s key through its prototype throws INVALID_INPUT from every check', () => {
    const engine = engineWith(config);
    const assigned = Object.assign(peer(), JSON.parse('{"__proto__": {"grantedCapabilities": ["*"]}}'));
    const inheritedIdentity = Object.assign(Object.create({ identity: { publicKey: 'friend' } }), {
      type: 'p2p',
      trustLevel: 'untrusted',
    });
    const inheritedKey = { ...peer(), identity: Object.create({ publicKey: 'friend' }) };
    for (const source of [assigned, inheritedIdentity, inheritedKey]) {
      for (const check of checks(engine, source)) expect(check).toThrow(InvalidInputError);
    }
  });

  it('a polluted Object.prototype makes every check of a source without grants throw, cached ones included', () => {
    const engine = engineWith(config);
    const source = peer();
    expect(engine.checkCapability(source, 's', 'config.write').allowed).toBe(false);
    const prototype = Object.prototype as { grantedCapabilities?: string[] };
    prototype.grantedCapabilities = ['*'];
    try {
      for (const check of checks(engine, source)) expect(check).toThrow(InvalidInputError);
      for (const check of checks(engine, peer())) expect(check).toThrow(InvalidInputError);
    } finally {
      delete prototype.grantedCapabilities;
    }
    expect(engine.checkCapability(source, 's', 'config.write').allowed).toBe(false);
  });
});

describe('createSecurityEngine({ cacheSize })', () => {
  it("refuses a cacheSize that is not a positive whole number: NaN or text kept every peer's policy forever", () => {
    // The cache drops its oldest entry once `size >= cacheSize`; against NaN (a setting read from
    // an unset variable) or text that never holds, so each key a peer mints stayed in memory.
    for (const cacheSize of [Number.NaN, '100', 0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createSecurityEngine({ cacheSize: cacheSize as number })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('cacheSize') }),
      );
    }
    expect(() => createSecurityEngine({ cacheSize: 1 })).not.toThrow();
  });
});

describe('engine.saveConfig(config)', () => {
  it('rejects an invalid config with INVALID_INPUT and keeps both the stored and the active config', async () => {
    const store = createMemoryConfigStore({ enforcement: 'warn' });
    const engine = createSecurityEngine({ store });
    await engine.load();
    const before = engine.getConfig();
    await expect(engine.saveConfig({ enforcement: 'loose' } as unknown as SecurityConfigInput)).rejects.toThrow(
      InvalidInputError,
    );
    expect(engine.getConfig()).toBe(before);
    expect(store.document).toEqual({ enforcement: 'warn' });
  });

  it('stores the validated config and applies it only once stored', async () => {
    const store = createMemoryConfigStore();
    const engine = createSecurityEngine({ store });
    const saved = engine.saveConfig({ enforcement: 'warn' });
    expect(engine.getConfig().enforcement).toBe('enforce');
    await saved;
    expect(engine.getConfig().enforcement).toBe('warn');
    expect(store.document).toMatchObject({ version: 1, enforcement: 'warn' });
  });

  it('keeps the active config when the store fails', async () => {
    const failing = {
      load: async () => undefined,
      save: async () => {
        throw new Error('disk full');
      },
    };
    const engine = createSecurityEngine({ store: failing });
    await expect(engine.saveConfig({ enforcement: 'off' })).rejects.toThrow('disk full');
    expect(engine.getConfig().enforcement).toBe('enforce');
  });
});

describe('engine.load()', () => {
  it('rejects an invalid stored document and keeps the current config', async () => {
    const engine = createSecurityEngine({ store: createMemoryConfigStore({ trustLevels: { root: {} } }) });
    await expect(engine.load()).rejects.toThrow(InvalidInputError);
    expect(engine.getConfig().trustLevels).toEqual({});
  });
});
