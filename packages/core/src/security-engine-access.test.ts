import { describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from './capability-registry.js';
import type { SecurityEvent } from './events.js';
import type { EnforcementMode, SecurityConfigInput } from './policy/config-schema.js';
import { createSecurityEngine } from './security-engine.js';
import { createInjectionSource } from './sources.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'peer-key' } });
const trustedPeer = createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'friend-key' } });
const plugin = createInjectionSource('plugin', { identity: { pluginName: 'weather' } });
const owner = createInjectionSource('daemon');
const forwarded = createInjectionSource('gateway', { identity: { gatewaySession: 'p2p-gateway' } });

function engineWith(config: SecurityConfigInput) {
  const engine = createSecurityEngine({ config, registry: createCapabilityRegistry(), now: () => 1_000 });
  const seen: SecurityEvent[] = [];
  engine.events.on('security', (event) => seen.push(event));
  return { engine, seen };
}

describe('engine.checkSessionAccess(source, session)', () => {
  it('admits trusted and above by default and denies the rest', () => {
    const { engine } = engineWith({});
    expect(engine.checkSessionAccess(trustedPeer, 'main').allowed).toBe(true);
    expect(engine.checkSessionAccess(plugin, 'main')).toEqual({
      allowed: false,
      reason: 'Source plugin (semi-trusted) does not match the access rules of session main',
    });
  });

  it('always admits an owner, and an empty access list admits nobody else', () => {
    const { engine } = engineWith({ sessions: { vault: { access: [] } } });
    expect(engine.checkSessionAccess(owner, 'vault').allowed).toBe(true);
    expect(engine.checkSessionAccess(trustedPeer, 'vault').allowed).toBe(false);
  });

  it('matches trust:, type:, p2p: and session: patterns', () => {
    const { engine } = engineWith({
      sessions: {
        byTrust: { access: ['trust:semi-trusted'] },
        byType: { access: ['type:plugin'] },
        byKey: { access: ['p2p:peer-key'] },
        byGateway: { access: ['session:p2p-*'] },
        open: { access: ['*'] },
      },
    });
    expect(engine.checkSessionAccess(plugin, 'byTrust').allowed).toBe(true);
    expect(engine.checkSessionAccess(peer, 'byTrust').allowed).toBe(false);
    expect(engine.checkSessionAccess(plugin, 'byType').allowed).toBe(true);
    expect(engine.checkSessionAccess(trustedPeer, 'byType').allowed).toBe(false);
    expect(engine.checkSessionAccess(peer, 'byKey').allowed).toBe(true);
    expect(engine.checkSessionAccess(trustedPeer, 'byKey').allowed).toBe(false);
    expect(engine.checkSessionAccess(forwarded, 'byGateway').allowed).toBe(true);
    expect(engine.checkSessionAccess(plugin, 'byGateway').allowed).toBe(false);
    expect(engine.checkSessionAccess(peer, 'open').allowed).toBe(true);
  });

  it('session:<gateway> admits only a gateway source, not a p2p-discovery peer claiming identity.gatewaySession', () => {
    const { engine } = engineWith({ sessions: { code: { access: ['session:p2p-gateway'] } } });
    expect(engine.checkSessionAccess(forwarded, 'code').allowed).toBe(true);
    for (const type of ['p2p-discovery', 'p2p', 'plugin', 'api'] as const) {
      const impostor = createInjectionSource(type, {
        identity: { publicKey: 'self-made-key', gatewaySession: 'p2p-gateway' },
      });
      expect(engine.checkSessionAccess(impostor, 'code').allowed).toBe(false);
    }
  });

  it('keeps the minTrustLevel floor unless the session names the source explicitly', () => {
    const { engine } = engineWith({
      minTrustLevel: 'semi-trusted',
      sessions: { open: { access: ['*'] }, named: { access: ['p2p:peer-key'] } },
    });
    expect(engine.checkSessionAccess(peer, 'open').reason).toMatch(/below the minimum 'semi-trusted'/);
    expect(engine.checkSessionAccess(plugin, 'open').allowed).toBe(true);
    expect(engine.checkSessionAccess(peer, 'named').allowed).toBe(true);
  });

  it('suggests a gateway that admits the source and may forward to the session', () => {
    const { engine } = engineWith({
      sessions: {
        'p2p-gateway': { access: ['trust:untrusted'], gateway: { allowForwardTo: ['code-*'] } },
        'code-assistant': { access: ['trust:trusted', 'session:p2p-gateway'] },
      },
    });
    expect(engine.checkSessionAccess(peer, 'code-assistant')).toMatchObject({
      allowed: false,
      requiresGateway: true,
      suggestedGateway: 'p2p-gateway',
    });
    expect(engine.checkSessionAccess(peer, 'other').requiresGateway).toBeUndefined();
    expect(engine.findGatewayForSource(peer, 'code-assistant')).toBe('p2p-gateway');
    expect(engine.checkSessionAccess(forwarded, 'code-assistant').allowed).toBe(true);
  });
});

describe('gateway lookups', () => {
  const { engine } = engineWith({
    sessions: {
      'p2p-gateway': {
        access: ['trust:untrusted'],
        capabilities: ['inject', 'cross.inject'],
        gateway: {
          allowForwardTo: ['code-*'],
          allowActions: ['query'],
          requireApproval: true,
          rateLimit: { perMinute: 3 },
        },
      },
      plain: {},
    },
  });

  it('report which sessions are gateways and their forward rules', () => {
    expect(engine.isGateway('p2p-gateway')).toBe(true);
    expect(engine.isGateway('plain')).toBe(false);
    expect(engine.isGateway('missing')).toBe(false);
    expect(engine.listGateways()).toEqual(['p2p-gateway']);
    expect(engine.getGatewayRules('p2p-gateway')).toEqual({
      allowForwardTo: ['code-*'],
      allowActions: ['query'],
      requireApproval: true,
      rateLimit: { perMinute: 3 },
    });
    expect(engine.getGatewayRules('plain')).toBeNull();
    expect(engine.getSessionConfig('plain')).toEqual({});
    expect(engine.getSessionConfig('toString')).toBeUndefined();
  });

  it('let a source forward only where the gateway grants cross.inject', () => {
    expect(engine.resolvePolicy(peer, 'p2p-gateway')).toMatchObject({ isGateway: true, canForward: true });
    expect(engine.resolvePolicy(peer, 'plain')).toMatchObject({
      isGateway: false,
      canForward: false,
      forwardRules: null,
    });
  });
});

describe.each<EnforcementMode>(['off', 'warn', 'enforce'])('enforcement "%s"', (mode) => {
  const config: SecurityConfigInput = { enforcement: mode, defaults: { tools: { deny: ['Bash'] } } };

  it('is honoured the same way by session, capability and tool checks and by filterToolsByPolicy', () => {
    const { engine, seen } = engineWith(config);
    const results = [
      engine.checkSessionAccess(peer, 'main'),
      engine.checkCapability(peer, 'main', 'inject.exec'),
      engine.checkToolAccess(peer, 'main', 'Bash'),
    ];
    const filtered = engine.filterToolsByPolicy(['Bash', 'Read'], peer, 'main');
    for (const result of results) expect(result.allowed).toBe(mode !== 'enforce');
    expect(filtered).toEqual(mode === 'enforce' ? [] : ['Bash', 'Read']);
    if (mode === 'warn') for (const result of results) expect(result.warning).toEqual(expect.any(String));
    const types = seen.map((event) => event.type);
    if (mode === 'off') expect(types).toEqual([]);
    if (mode === 'warn') expect(new Set(types)).toEqual(new Set(['policy_violation']));
    if (mode === 'enforce') {
      expect(types.slice(0, 3)).toEqual(['access_denied', 'capability_check', 'tool_blocked']);
    }
  });
});

describe('security events from checks', () => {
  it('carry the source, session, check and reason, with the clock’s timestamp', () => {
    const { engine, seen } = engineWith({});
    engine.checkToolAccess(peer, 'main', 'Bash');
    expect(seen).toEqual([
      {
        type: 'tool_blocked',
        timestamp: 1_000,
        source: peer,
        session: 'main',
        details: {
          check: 'tool',
          tool: 'Bash',
          allowed: false,
          reason: "Tool Bash requires capability inject.exec, not granted for trust level 'untrusted'",
        },
      },
    ]);
  });

  it('include allowed checks only when auditAllowed is on', () => {
    const quiet = engineWith({});
    quiet.engine.checkCapability(owner, 'main', 'inject');
    expect(quiet.seen).toEqual([]);
    const engine = createSecurityEngine({ auditAllowed: true, registry: createCapabilityRegistry() });
    const seen: SecurityEvent[] = [];
    engine.events.on('security', (event) => seen.push(event));
    engine.checkSessionAccess(owner, 'main');
    engine.checkCapability(owner, 'main', 'inject');
    expect(seen.map((event) => event.type)).toEqual(['access_granted', 'capability_check']);
  });

  it('warn once per resolution when configuration loosens the built-in sandbox', () => {
    const { engine, seen } = engineWith({
      trustLevels: { untrusted: { sandbox: { networkPolicy: 'full', maxMemoryMb: 1024 } } },
      sessions: { tight: { sandbox: { networkPolicy: 'none', maxMemoryMb: 128 } } },
    });
    engine.resolvePolicy(peer, 'main');
    engine.resolvePolicy(peer, 'main');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'policy_warning',
      details: {
        sandboxLoosened: [
          { field: 'networkPolicy', builtIn: 'none', configured: 'full' },
          { field: 'maxMemoryMb', builtIn: 256, configured: 1024 },
        ],
      },
    });
    engine.resolvePolicy(peer, 'tight');
    engine.resolvePolicy(createInjectionSource('cli'), 'main');
    expect(seen).toHaveLength(1);
  });

  it('redact secret-looking identity fields before they leave core', () => {
    const { engine, seen } = engineWith({});
    const source = createInjectionSource('api', { identity: { userId: 'sk-abcdefghijklmnopqrstuvwxyz' } });
    engine.checkToolAccess(source, 'main', 'Bash');
    expect(seen[0]?.source?.identity?.userId).toBe('[REDACTED]');
  });
});
