import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORE_CAPABILITIES } from './capabilities.js';
import { CORE_TOOL_CAPABILITIES, createCapabilityRegistry } from './capability-registry.js';
import { explainCapability, explainToolAccess } from './explain.js';
import type { SecurityConfigInput, SecurityPolicy } from './policy/config-schema.js';
import { createSecurityEngine } from './security-engine.js';
import { createInjectionSource, INJECTION_SOURCE_TYPES, type InjectionSource } from './sources.js';
import { TRUST_LEVELS } from './trust.js';

const registry = createCapabilityRegistry();
const trusted = createInjectionSource('api', { trustLevel: 'trusted' });

describe('explainToolAccess', () => {
  it('names the deny pattern that decided', () => {
    const why = explainToolAccess({ defaults: { tools: { deny: ['Web*'] } } }, trusted, 'main', 'WebFetch', {
      registry,
    });
    expect(why.result.allowed).toBe(false);
    expect(why.rule).toBe('tool-deny');
    expect(why.pattern).toBe('Web*');
    expect(why.layers.map((layer) => layer.layer)).toEqual(['built-in', 'defaults', 'enforcement']);
    expect(why.wouldChange[0]).toContain('Web*');
  });

  it('says what else denies once the deny pattern is gone (an allow list that excludes the tool too)', () => {
    const config: SecurityConfigInput = {
      defaults: { tools: { deny: ['WebFetch'] } },
      sessions: { lab: { tools: { allow: ['Read'] } } },
    };
    const why = explainToolAccess(config, trusted, 'lab', 'WebFetch', { registry });
    expect(why.rule).toBe('tool-deny');
    expect(why.wouldChange).toEqual([
      `remove "WebFetch" from every layer's tools.deny that lists it`,
      `and then (tool-allow-list): add "WebFetch" (or a glob matching it) to that layer's tools.allow`,
    ]);
    // Where nothing else denies, removing the pattern is the whole answer.
    expect(
      explainToolAccess(config, createInjectionSource('cli'), 'main', 'WebFetch', { registry }).wouldChange,
    ).toEqual([`remove "WebFetch" from every layer's tools.deny that lists it`]);
  });

  it('names the allow list, the unmapped tool and the missing capability', () => {
    const config: SecurityConfigInput = { sessions: { lab: { tools: { allow: ['Read'] } } } };
    expect(explainToolAccess(config, trusted, 'lab', 'Grep', { registry }).rule).toBe('tool-allow-list');
    expect(explainToolAccess(config, trusted, 'main', 'mystery', { registry }).rule).toBe('unmapped-tool-denied');
    const bash = explainToolAccess(config, trusted, 'main', 'Bash', { registry });
    expect(bash.rule).toBe('capability-missing');
    expect(bash.capability).toBe('inject.exec');
    expect(explainToolAccess(config, trusted, 'main', 'Read', { registry }).rule).toBe('capability-granted');
  });

  it('lists the trust-level and session layers and source grants', () => {
    const source = createInjectionSource('api', { trustLevel: 'trusted', grantedCapabilities: ['inject.exec'] });
    const why = explainToolAccess(
      {
        trustLevels: { trusted: { denyCapabilities: ['inject.network'] } },
        sessions: { lab: { rateLimit: { perMinute: 5 } } },
      },
      source,
      'lab',
      'Bash',
      { registry },
    );
    expect(why.layers.map((layer) => layer.path)).toEqual([
      'profile trusted',
      'trustLevels.trusted',
      'sessions.lab',
      'source.grantedCapabilities',
      'enforcement',
    ]);
    expect(why.result.allowed).toBe(true);
  });

  it('reports the policy verdict beside the warn-mode result', () => {
    const why = explainToolAccess({ enforcement: 'warn' }, trusted, 'main', 'Bash', { registry });
    expect(why.result.allowed).toBe(true);
    expect(why.allowedByPolicy).toBe(false);
    expect(why.result.warning).toBeDefined();
  });

  it('explains a capability denied by a deny wildcard', () => {
    const why = explainCapability({ defaults: { denyCapabilities: ['inject.*'] } }, trusted, 'main', 'inject.tools', {
      registry,
    });
    expect(why.rule).toBe('capability-denied');
    expect(why.result.allowed).toBe(false);
  });
});

const capabilityEntries = [...CORE_CAPABILITIES, 'inject.*', '*'];
const toolNames = [...Object.keys(CORE_TOOL_CAPABILITIES), 'custom_tool'];
const toolPatterns = [...toolNames, 'Web*', '*', 'Re?d'];
const layer: fc.Arbitrary<SecurityPolicy> = fc.record(
  {
    capabilities: fc.subarray(capabilityEntries),
    denyCapabilities: fc.subarray(capabilityEntries, { maxLength: 3 }),
    tools: fc.record(
      { allow: fc.subarray(toolPatterns), deny: fc.subarray(toolPatterns, { maxLength: 3 }) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);
const config: fc.Arbitrary<SecurityConfigInput> = fc.record({
  enforcement: fc.constantFrom('off' as const, 'warn' as const, 'enforce' as const),
  unmappedTools: fc.constantFrom('deny' as const, 'allow' as const),
  defaults: layer,
  trustLevels: fc.record({ untrusted: layer, trusted: layer }, { requiredKeys: [] }),
  sessions: fc.record({ lab: layer }, { requiredKeys: [] }),
});
const source: fc.Arbitrary<InjectionSource> = fc
  .record({ type: fc.constantFrom(...INJECTION_SOURCE_TYPES), trustLevel: fc.constantFrom(...TRUST_LEVELS) })
  .map(({ type, trustLevel }) => createInjectionSource(type, { trustLevel }));

describe('explanations agree with the checks', () => {
  it('explainToolAccess and explainCapability agree with checkToolAccess and checkCapability', () => {
    fc.assert(
      fc.property(
        config,
        source,
        fc.constantFrom('main', 'lab'),
        fc.constantFrom(...toolNames),
        fc.constantFrom(...CORE_CAPABILITIES),
        (input, from, session, tool, capability) => {
          const engine = createSecurityEngine({ config: input, registry });
          const tooled = explainToolAccess(input, from, session, tool, { registry });
          expect(tooled.result).toEqual(engine.checkToolAccess(from, session, tool));
          const strict = createSecurityEngine({ config: { ...input, enforcement: 'enforce' }, registry });
          expect(tooled.allowedByPolicy).toBe(strict.checkToolAccess(from, session, tool).allowed);
          const capable = explainCapability(input, from, session, capability, { registry });
          expect(capable.result).toEqual(engine.checkCapability(from, session, capability));
          expect(capable.allowedByPolicy).toBe(strict.checkCapability(from, session, capability).allowed);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('explainToolAccess(config, source, session, tool, options) reads options.registry as an own property only', () => {
  // The attacker: another library that set Object.prototype.registry (or an options object built
  // on a prototype someone else controls), mapping an unmapped tool to a granted capability.
  const hostileRegistry = () => {
    const mapped = createCapabilityRegistry();
    mapped.register('attacker', { tools: { Deploy: 'inject' } });
    return mapped;
  };

  it('ignores a registry inherited by the options object', () => {
    const options = Object.create({ registry: hostileRegistry() }) as { registry?: never };
    const why = explainToolAccess({}, trusted, 'main', 'Deploy', options);
    expect(why.rule).toBe('unmapped-tool-denied');
    expect(why.allowedByPolicy).toBe(false);
    // Its own registry is still used.
    expect(explainToolAccess({}, trusted, 'main', 'Deploy', { registry: hostileRegistry() }).rule).toBe(
      'capability-granted',
    );
  });

  it('ignores a registry on a polluted Object.prototype, with options or without', () => {
    const prototype = Object.prototype as { registry?: unknown };
    prototype.registry = hostileRegistry();
    try {
      expect(explainToolAccess({}, trusted, 'main', 'Deploy').rule).toBe('unmapped-tool-denied');
      expect(explainToolAccess({}, trusted, 'main', 'Deploy', {}).rule).toBe('unmapped-tool-denied');
    } finally {
      delete prototype.registry;
    }
  });
});

describe('explanations given a source that answers its check one way and later reads another (a Proxy)', () => {
  // Descriptors (what the check reads) say untrusted peer; every plain read says owner.
  const twoFaced = (): InjectionSource =>
    new Proxy({ type: 'p2p', trustLevel: 'untrusted' } as Record<string, unknown>, {
      get: (target, key) => (key === 'trustLevel' ? 'owner' : target[key as string]),
    }) as unknown as InjectionSource;

  it('explainToolAccess explains the untrusted peer it checked, not an owner', () => {
    const why = explainToolAccess({}, twoFaced(), 'main', 'Bash', { registry });
    expect(why.result.allowed).toBe(false);
    expect(why.allowedByPolicy).toBe(false);
    expect(why.rule).toBe('capability-missing');
    expect(why.layers[0]?.path).toBe('profile untrusted');
    expect(why.policy.trustLevel).toBe('untrusted');
  });

  it('explainCapability explains the untrusted peer it checked, not an owner', () => {
    const why = explainCapability({}, twoFaced(), 'main', 'config.write', { registry });
    expect(why.allowedByPolicy).toBe(false);
    expect(why.layers[0]?.path).toBe('profile untrusted');
  });
});
