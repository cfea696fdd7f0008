import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from '../capability-registry.js';
import { setDefaultSecurityEngine } from '../default-engine.js';
import { InvalidInputError } from '../errors.js';
import { sandboxConstraintsSchema } from '../ports/sandbox.js';
import { createSecurityEngine } from '../security-engine.js';
import { createInjectionSource, type InjectionSource } from '../sources.js';
import type { SandboxConfig, SecurityConfigInput } from './config-schema.js';
import { checkSandboxRequired, sandboxConstraintsFromPolicy } from './sandbox-requirement.js';

const discoveredPeer = createInjectionSource('p2p-discovery', { identity: { publicKey: 'self-made-key' } });
const owner = createInjectionSource('cli');
const trusted = createInjectionSource('cron');

const engineWith = (config: SecurityConfigInput = {}) =>
  createSecurityEngine({ config, registry: createCapabilityRegistry() });

/** What every `Sandbox` backend does with constraints first (the stubs, Docker and Codespaces parse with it). */
const createAccepts = (constraints: unknown) => sandboxConstraintsSchema.safeParse(constraints);

afterEach(() => setDefaultSecurityEngine(undefined));

describe('sandboxConstraintsFromPolicy(resolved)', () => {
  it('turns the built-in untrusted sandbox into constraints Sandbox.create() accepts', () => {
    const policy = engineWith().resolvePolicy(discoveredPeer, 'main');
    const constraints = sandboxConstraintsFromPolicy(policy);
    expect(constraints).toEqual({
      networkPolicy: 'none',
      maxMemoryMb: 256,
      maxCpuPercent: 25,
      maxPids: 50,
      timeoutMs: 60_000,
    });
    expect(createAccepts(constraints).success).toBe(true);
  });

  it('passing policy.sandbox itself is refused (Unrecognized key "enabled"): the reason this function exists', () => {
    const policy = engineWith().resolvePolicy(discoveredPeer, 'main');
    const refused = createAccepts(policy.sandbox);
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('enabled');
  });

  it('keeps every configured field, paths included, and returns copies the caller may extend', () => {
    const policy = engineWith({
      sessions: {
        lab: {
          sandbox: {
            enabled: true,
            networkPolicy: 'egress-only',
            allowedPaths: ['/srv/data'],
            writablePaths: ['/srv/out'],
          },
        },
      },
    }).resolvePolicy(discoveredPeer, 'lab');
    const constraints = sandboxConstraintsFromPolicy(policy);
    expect(constraints).toMatchObject({
      networkPolicy: 'egress-only',
      allowedPaths: ['/srv/data'],
      writablePaths: ['/srv/out'],
    });
    expect(createAccepts(constraints).success).toBe(true);
    constraints.allowedPaths?.push('/etc');
    constraints.env = { MODE: 'ci' };
    expect(policy.sandbox.allowedPaths).toEqual(['/srv/data']);
    expect(createAccepts(constraints).success).toBe(true);
  });

  it('leaves out what policy leaves out, so the backend fills it from its own defaults', () => {
    expect(sandboxConstraintsFromPolicy(engineWith().resolvePolicy(owner, 'main'))).toEqual({});
  });

  it('every sandbox a valid configuration can express becomes constraints Sandbox.create() accepts', () => {
    const path = fc.constantFrom('/srv', '/srv/data', '/tmp/work', '/home/agent');
    const sandbox: fc.Arbitrary<Partial<SandboxConfig>> = fc.record(
      {
        enabled: fc.boolean(),
        networkPolicy: fc.constantFrom('none' as const, 'egress-only' as const, 'full' as const),
        maxMemoryMb: fc.integer({ min: 6, max: 1_048_576 }),
        maxCpuPercent: fc.double({ min: 1, max: 12_800, noNaN: true }),
        maxPids: fc.integer({ min: 1, max: 1_000_000 }),
        timeoutMs: fc.integer({ min: 1, max: 86_400_000 }),
        allowedPaths: fc.array(path, { maxLength: 4 }),
        writablePaths: fc.array(path, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(sandbox, fc.constantFrom<InjectionSource>(discoveredPeer, owner, trusted), (layer, source) => {
        const policy = engineWith({ sessions: { lab: { sandbox: layer } } }).resolvePolicy(source, 'lab');
        expect(createAccepts(sandboxConstraintsFromPolicy(policy)).error).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});

describe('checkSandboxRequired(source, session)', () => {
  it('a discovered peer with a self-made key is required to run sandboxed, without network', () => {
    setDefaultSecurityEngine(engineWith());
    const requirement = checkSandboxRequired(discoveredPeer, 'main');
    expect(requirement.required).toBe(true);
    expect(requirement.constraints.networkPolicy).toBe('none');
    expect(createAccepts(requirement.constraints).success).toBe(true);
  });

  it('turning the sandbox off for owners does not turn it off for a discovered peer', () => {
    const engine = engineWith({ trustLevels: { owner: { sandbox: { enabled: false } } } });
    expect(checkSandboxRequired(discoveredPeer, 'main', engine).required).toBe(true);
  });

  it('still requires the sandbox under enforcement "off" and "warn": containment is not a check they waive', () => {
    for (const enforcement of ['off', 'warn'] as const) {
      expect(checkSandboxRequired(discoveredPeer, 'main', engineWith({ enforcement })).required).toBe(true);
    }
  });

  it('owners and trusted sources run unsandboxed by default, and follow the configuration when it turns the sandbox on', () => {
    const engine = engineWith({ sessions: { ci: { sandbox: { enabled: true, maxPids: 20 } } } });
    expect(checkSandboxRequired(owner, 'main', engine)).toEqual({ required: false, constraints: {} });
    expect(checkSandboxRequired(trusted, 'ci', engine)).toEqual({ required: true, constraints: { maxPids: 20 } });
  });

  it('uses the default engine when none is given', () => {
    setDefaultSecurityEngine(engineWith({ sessions: { ci: { sandbox: { enabled: true } } } }));
    expect(checkSandboxRequired(owner, 'ci').required).toBe(true);
  });

  it('a malformed source is an InvalidInputError, not a silent "not required"', () => {
    const forged = { type: 'p2p', trustLevel: 'root' } as unknown as InjectionSource;
    expect(() => checkSandboxRequired(forged, 'main', engineWith())).toThrow(InvalidInputError);
  });
});
