import { describe, expect, it } from 'vitest';
import { CAPABILITY_PROFILES } from './capabilities.js';
import { createCapabilityRegistry } from './capability-registry.js';
import { createSecurityContext } from './security-context.js';
import { createSecurityEngine } from './security-engine.js';
import { createInjectionSource, type InjectionSource } from './sources.js';

describe('the WOPR seed examples, as written', () => {
  it('CAPABILITY_PROFILES holds the seed profiles', () => {
    expect(CAPABILITY_PROFILES).toEqual({
      owner: ['*'],
      trusted: ['inject', 'inject.tools', 'session.spawn', 'a2a.call'],
      'semi-trusted': ['inject', 'inject.tools'],
      untrusted: ['inject'],
      readonly: ['inject'],
      gateway: ['inject', 'inject.tools', 'cross.inject', 'a2a.call'],
    });
    expect(Object.isFrozen(CAPABILITY_PROFILES.trusted)).toBe(true);
  });

  it('createInjectionSource gives the seed’s shapes', () => {
    expect(createInjectionSource('cli')).toEqual({ type: 'cli', trustLevel: 'owner', timestamp: expect.any(Number) });
    expect(createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'MCow...' } })).toMatchObject({
      type: 'p2p',
      trustLevel: 'trusted',
      identity: { publicKey: 'MCow...' },
    });
    expect(
      createInjectionSource('gateway', { trustLevel: 'semi-trusted', identity: { gatewaySession: 'p2p-gateway' } }),
    ).toMatchObject({ type: 'gateway', trustLevel: 'semi-trusted', identity: { gatewaySession: 'p2p-gateway' } });
  });

  it('runInSandboxIfRequired reads policy.sandbox.enabled and passes the settings on', () => {
    const engine = createSecurityEngine({ registry: createCapabilityRegistry() });
    const plan = (source: InjectionSource, session: string) => {
      const policy = engine.resolvePolicy(source, session);
      return policy.sandbox.enabled ? { sandboxed: policy.sandbox } : { direct: true };
    };
    expect(plan(createInjectionSource('cli'), 'main')).toEqual({ direct: true });
    expect(plan(createInjectionSource('plugin'), 'main')).toEqual({
      sandboxed: {
        enabled: true,
        networkPolicy: 'none',
        maxMemoryMb: 512,
        maxCpuPercent: 50,
        maxPids: 100,
        timeoutMs: 300_000,
      },
    });
  });

  it('the SecurityContext example grants tools to a trusted peer', () => {
    const engine = createSecurityEngine({ registry: createCapabilityRegistry() });
    const source = createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'MCow...' } });
    const ctx = createSecurityContext(source, 'my-session', engine);
    let toolsAllowed = false;
    if (ctx.hasCapability('inject.tools')) toolsAllowed = true;
    expect(toolsAllowed).toBe(true);
  });
});
