import { afterEach, describe, expect, it } from 'vitest';
import { runScenario, type ScenarioStep } from './scenario.js';
import { startTestHost, type TestHost } from './test-host.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks parsed JSON response bodies
type Json = Record<string, any>;

const body = (steps: ScenarioStep[], step: number, exchange: number): Json => {
  const found = steps[step - 1]?.exchanges[exchange];
  if (!found) throw new Error(`no exchange ${exchange} in step ${step}`);
  return found.body as Json;
};

describe('runScenario(client, actors, narrate) against the host on its embedded default', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('plays every step over HTTP with the statuses and results the issue describes', async () => {
    host = await startTestHost();
    const narrated: number[] = [];
    const steps = await runScenario(host.client, host.actors, (step) => narrated.push(step.number));
    expect(narrated).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(body(steps, 1, 0).backends).toEqual({
      sandbox: 'stub',
      killSwitch: 'stub',
      approvals: 'memory',
      rateLimiter: 'memory',
      credentials: 'stub',
    });

    const owner = body(steps, 2, 0);
    expect(owner).toMatchObject({ status: 'completed', route: 'direct', source: { type: 'cli', trustLevel: 'owner' } });
    expect(owner.tools).toEqual(['Read', 'Grep', 'Glob', 'Bash']);
    expect(owner.run).toMatchObject({
      exitCode: 0,
      sandbox: { backend: 'stub', destroyed: true },
      jitCredential: { revoked: true, scope: ['contents:read'] },
    });
    expect(owner.run.stdout).toContain('[stub sandbox] would run: echo');

    expect(body(steps, 3, 0)).toEqual({
      allowed: false,
      capability: 'inject.exec',
      reason: expect.stringContaining('not granted'),
    });
    expect(body(steps, 3, 1).error).toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('inject.exec'),
    });

    const delegation = body(steps, 4, 0);
    expect(delegation.chain.map((link: Json) => link.grantedTo)).toEqual([
      'agent:code-assistant',
      `p2p:${host.actors.trustedPeer.keys.publicKey}`,
    ]);
    expect(body(steps, 4, 1).capabilities).toContain('inject.exec');
    expect(body(steps, 4, 2)).toMatchObject({
      status: 'completed',
      source: { type: 'p2p', trustLevel: 'trusted', grantedCapabilities: ['inject.exec'] },
    });

    const queued = body(steps, 5, 0);
    expect(queued).toMatchObject({
      status: 'pending-approval',
      route: 'gateway',
      gateway: 'p2p-gateway',
      session: 'code-runner',
    });
    expect(body(steps, 5, 1).error.code).toBe('ACCESS_DENIED');
    expect(body(steps, 6, 0).pending).toEqual([
      expect.objectContaining({
        id: queued.requestId,
        from: expect.objectContaining({ type: 'p2p-discovery' }),
        request: expect.objectContaining({ command: 'ls / | wc -l' }),
      }),
    ]);
    const approved = body(steps, 6, 1);
    expect(approved).toMatchObject({
      status: 'completed',
      approvedBy: ['alice'],
      source: { type: 'gateway', trustLevel: 'untrusted' },
      tools: ['Bash'],
    });
    expect(approved.run.sandbox.constraints).toMatchObject({
      maxMemoryMb: 128,
      maxPids: 32,
      networkPolicy: 'none',
      timeoutMs: 30_000,
    });

    expect(body(steps, 7, 0).error.message).toMatch(/WebFetch is denied/);
    for (const exchange of [1, 2, 3]) expect(body(steps, 8, exchange).error.code).toBe('KILL_SWITCH_ACTIVE');
    expect(body(steps, 8, 4).status).toBe('stopped');
    expect(body(steps, 9, 1).status).toBe('ok');
  });

  it('leaves no sandbox and no valid credential behind, and audits every step without secrets', async () => {
    host = await startTestHost();
    const steps = await runScenario(host.client, host.actors, () => {});
    const { sandbox, credentials } = host.running.host.context.backends;
    expect(await sandbox.list()).toEqual([]);
    const runs = [body(steps, 2, 0).run, body(steps, 4, 2).run, body(steps, 6, 1).run];
    for (const run of runs) expect(await credentials.isValid(run.jitCredential.id)).toBe(false);

    await host.running.close();
    const audit = await host.auditEvents();
    expect(audit).toEqual(host.events);
    const types = audit.map((event) => event.type);
    for (const type of ['sandbox_created', 'credential_issued', 'credential_revoked', 'sandbox_destroyed']) {
      expect(types.filter((candidate) => candidate === type)).toHaveLength(3);
    }
    expect(types).toEqual(
      expect.arrayContaining([
        'approval_requested',
        'approval_approved',
        'gateway_forward',
        'kill_switch_activated',
        'kill_switch_deactivated',
      ]),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'tool_blocked', details: expect.objectContaining({ tool: 'WebFetch' }) }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'access_denied', details: expect.objectContaining({ step: 'kill-switch' }) }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'capability_delegated',
        details: expect.objectContaining({ step: 'delegation', to: `p2p:${host.actors.trustedPeer.keys.publicKey}` }),
      }),
    );
    expect(JSON.stringify(audit)).not.toContain(host.actors.operator.token);
  });
});
