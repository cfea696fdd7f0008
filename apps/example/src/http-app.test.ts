import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { createStubKillSwitch } from '@warden/stubs';
import { findFreePort } from '@warden/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST_POLICY } from './default-policy.js';
import { createPeerKeys } from './host-client.js';
import { sha256Hex } from './source-identification.js';
import { startTestHost, type TestHost } from './test-host.js';

const bash = (command: string | string[]) => ({ message: 'run it', tool: 'Bash', command });

describe('the HTTP API', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  const start = async (options?: Parameters<typeof startTestHost>[0]) => {
    host = await startTestHost(options);
    return host;
  };

  it('answers bad input with INVALID_INPUT naming the field, and changes nothing', async () => {
    const { client, actors, running } = await start();
    const unknownField = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', {
      message: 'x',
      shell: true,
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    const missingCommand = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', {
      message: 'x',
      tool: 'Bash',
    });
    expect(missingCommand.body.error).toMatchObject({ issues: [{ path: 'command', message: 'is required for Bash' }] });
    const badSession = await client.send(actors.operator, 'POST', '/sessions/..%2Fetc/messages', bash('true'));
    expect(badSession.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    const response = await fetch(new URL('/sessions/code-assistant/messages', running.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${actors.operator.token}` },
      body: '{"message": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'INVALID_INPUT',
        message: 'The message is not valid JSON',
        issues: [{ path: '', message: 'must be JSON' }],
      },
    });
    expect(await running.host.context.backends.sandbox.list()).toEqual([]);
  });

  it('answers unknown routes, oversized bodies and missing credentials with a JSON error and no stack', async () => {
    const { client, actors, running, events } = await start();
    expect(await client.send(actors.operator, 'GET', '/nowhere')).toEqual({
      status: 404,
      body: { error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /nowhere' } },
    });
    const huge = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', {
      message: 'x'.repeat(70_000),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const anonymous = await client.send({ kind: 'anonymous' }, 'POST', '/sessions/code-assistant/messages', bash('id'));
    expect(anonymous.status).toBe(403);
    expect(Object.keys(anonymous.body.error as object).sort()).toEqual(['code', 'message']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'access_denied', details: expect.objectContaining({ step: 'identify' }) }),
    );
    expect(await running.host.context.backends.sandbox.list()).toEqual([]);
  });

  it('refuses a replayed peer request: the second delivery of the same signed request is ACCESS_DENIED', async () => {
    const { actors, running } = await start();
    const { signPeerRequest } = await import('./peer-signature.js');
    const path = '/sessions/code-assistant/messages';
    const payload = JSON.stringify({ message: 'hello' });
    const headers = signPeerRequest(actors.trustedPeer.keys, { method: 'POST', path, body: payload }, Date.now());
    const send = () => fetch(new URL(path, running.url), { method: 'POST', headers, body: payload });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(403);
    expect(await replay.json()).toMatchObject({ error: { message: expect.stringContaining('already used') } });
  });

  it('routes a semi-trusted API client nowhere it is not admitted, and answers its whoami', async () => {
    const { client } = await start({
      sections: { apiKeys: [{ id: 'ci-bot', keySha256: sha256Hex('ci-key'), trustLevel: 'semi-trusted' }] },
    });
    const caller = { kind: 'api', id: 'ci-bot', key: 'ci-key' } as const;
    const refused = await client.send(caller, 'POST', '/sessions/code-assistant/messages', { message: 'hi' });
    expect(refused.status).toBe(403);
    const whoami = await client.send(caller, 'GET', '/sessions/code-assistant/whoami');
    expect(whoami.body).toMatchObject({
      trustLevel: 'semi-trusted',
      capabilities: ['inject', 'inject.tools'],
      source: { type: 'api', identity: { userId: 'ci-bot' } },
      sandbox: { enabled: true, networkPolicy: 'none' },
    });
  });

  it('delivers a message without a tool, and refuses an allowed tool this host does not run with CAPABILITY_UNSUPPORTED', async () => {
    const { client, actors } = await start();
    const chat = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', { message: 'hello' });
    expect(chat.body).toMatchObject({ status: 'completed', reply: 'Session code-assistant received the message' });
    const read = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', {
      message: 'read',
      tool: 'Read',
    });
    expect(read.status).toBe(501);
    expect(read.body.error).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED' });
  });

  it('refuses a discovered peer a session its gateway may not forward to', async () => {
    const { client, actors, running } = await start();
    const refused = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-assistant/messages', bash('id'));
    expect(refused.status).toBe(403);
    expect(await running.host.context.backends.workflow.listPending()).toEqual([]);
  });

  it('delivers through a gateway at once when its rules need no approval, keeping the typed error of a refused tool', async () => {
    const policy = structuredClone(DEFAULT_HOST_POLICY);
    const gateway = policy.sessions?.['p2p-gateway']?.gateway;
    if (gateway) gateway.requireApproval = false;
    const { client, actors } = await start({ sections: { security: policy } });
    const delivered = await client.send(
      actors.discoveredPeer,
      'POST',
      '/sessions/code-runner/messages',
      bash(['echo', 'hi']),
    );
    expect(delivered.body).toMatchObject({
      status: 'completed',
      route: 'gateway',
      gateway: 'p2p-gateway',
      source: { type: 'gateway', trustLevel: 'untrusted' },
      run: { exitCode: 0 },
    });
    const blocked = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
      message: 'read',
      tool: 'Read',
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('Tool Read is blocked'),
    });
  });

  it('answers a gateway whose rate limit is used up with 429 RATE_LIMITED (mapped from the gateway code)', async () => {
    const policy = structuredClone(DEFAULT_HOST_POLICY);
    const gateway = policy.sessions?.['p2p-gateway']?.gateway;
    if (gateway) Object.assign(gateway, { requireApproval: false, rateLimit: { perMinute: 1 } });
    const { client, actors } = await start({ sections: { security: policy } });
    const message = { message: 'hello' };
    const first = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', message);
    expect(first.body).toMatchObject({ status: 'completed', route: 'gateway' });
    const second = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', message);
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('per minute') });
  });

  it('keeps approvals to operators, rejects with a reason, and answers decided or unknown requests with their codes', async () => {
    const { client, actors } = await start();
    const queue = () => client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', bash('id'));
    const first = String((await queue()).body.requestId);
    const second = String((await queue()).body.requestId);
    const own = await client.send(actors.discoveredPeer, 'GET', `/approvals/${first}`);
    expect(own.body).toMatchObject({ id: first, status: 'pending', request: { command: 'id' } });
    expect((await client.send(actors.trustedPeer, 'GET', `/approvals/${first}`)).status).toBe(403);
    const rejected = await client.send(actors.operator, 'POST', `/approvals/${first}/reject`, { reason: 'not today' });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'not today', decidedBy: 'alice' });
    expect((await client.send(actors.operator, 'POST', `/approvals/${first}/approve`)).body.error).toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
    });
    expect((await client.send(actors.operator, 'POST', `/approvals/${second}/approve`)).status).toBe(200);
    expect((await client.send(actors.operator, 'POST', `/approvals/${second}/approve`)).status).toBe(409);
    expect((await client.send(actors.operator, 'POST', '/approvals/apr_nope/approve')).body.error).toMatchObject({
      code: 'APPROVAL_NOT_FOUND',
    });
    expect((await client.send(actors.operator, 'GET', '/approvals')).body).toEqual({ pending: [] });
  });

  it('lets only operators read and flip the kill switch, and validates the reason', async () => {
    const { client, actors } = await start();
    expect((await client.send(actors.trustedPeer, 'POST', '/kill-switch/activate', { reason: 'mine' })).status).toBe(
      403,
    );
    expect((await client.send(actors.trustedPeer, 'GET', '/kill-switch')).status).toBe(403);
    expect((await client.send(actors.operator, 'POST', '/kill-switch/activate', { reason: '   ' })).status).toBe(400);
    expect((await client.send(actors.operator, 'GET', '/kill-switch')).body).toMatchObject({ active: false });
  });

  it('revokes a delegation with everything derived from it: the peer loses Bash again', async () => {
    const { client, actors } = await start();
    const third = `p2p:${createPeerKeys().publicKey}`;
    const trusted = `p2p:${actors.trustedPeer.keys.publicKey}`;
    const delegated = await client.send(actors.operator, 'POST', '/capabilities/delegations', {
      from: 'agent:code-assistant',
      to: trusted,
      session: 'code-assistant',
      capabilities: ['inject.exec'],
      ttl: '5m',
      delegatable: true,
    });
    const onward = await client.send(actors.trustedPeer, 'POST', '/capabilities/delegations', {
      to: third,
      session: 'code-assistant',
      capabilities: ['inject.exec'],
    });
    expect(onward.status).toBe(201);
    expect(
      (await client.send(actors.trustedPeer, 'POST', '/sessions/code-assistant/messages', bash('true'))).status,
    ).toBe(200);
    const capability = delegated.body.capability as { id: string };
    const revoked = await client.send(actors.operator, 'POST', `/capabilities/${capability.id}/revoke`, {
      reason: 'done',
    });
    expect(revoked.body.revoked).toEqual([capability.id, (onward.body.capability as { id: string }).id]);
    expect(
      (await client.send(actors.trustedPeer, 'POST', '/sessions/code-assistant/messages', bash('true'))).status,
    ).toBe(403);
    const delegationEvents = host?.events.filter((event) => event.details.step === 'delegation') ?? [];
    expect(delegationEvents.map((event) => event.type)).toEqual([
      'capability_delegated',
      'capability_delegated',
      'capability_revoked',
    ]);
    expect(delegationEvents[2]?.details).toMatchObject({ capabilityId: capability.id, reason: 'done' });
  });

  it('refuses delegations the caller does not hold, beyond the longest TTL, or by a stranger for a host agent', async () => {
    const { client, actors } = await start();
    const trusted = `p2p:${actors.trustedPeer.keys.publicKey}`;
    const notHeld = await client.send(actors.trustedPeer, 'POST', '/capabilities/delegations', {
      to: 'agent:x',
      session: 'code-assistant',
      capabilities: ['inject.exec'],
    });
    expect(notHeld.body.error).toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('holds no live'),
    });
    const forHostAgent = await client.send(actors.trustedPeer, 'POST', '/capabilities/delegations', {
      from: 'agent:code-assistant',
      to: trusted,
      session: 'code-assistant',
      capabilities: ['inject.exec'],
    });
    expect(forHostAgent.status).toBe(403);
    const tooLong = await client.send(actors.operator, 'POST', '/capabilities/delegations', {
      from: 'agent:code-assistant',
      to: trusted,
      session: 'code-assistant',
      capabilities: ['inject.exec'],
      ttl: '2h',
    });
    expect(tooLong.body.error).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: 'ttl' }] });
    const widening = await client.send(actors.operator, 'POST', '/capabilities/delegations', {
      from: 'agent:code-assistant',
      to: trusted,
      session: 'code-assistant',
      capabilities: ['config.write'],
    });
    expect(widening.status).toBe(403);
  });

  it('fails closed when the kill switch cannot be read (a Redis kill switch with no server behind it)', async () => {
    const port = await findFreePort();
    const killSwitch = createRedisKillSwitch({
      url: `redis://127.0.0.1:${port}`,
      staleAfterMs: 200,
      refreshIntervalMs: 50,
      commandTimeoutMs: 100,
    });
    try {
      const { client, actors, running } = await start({ host: { overrides: { killSwitch } } });
      const refused = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', bash('true'));
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
      expect((await client.send({ kind: 'anonymous' }, 'GET', '/health')).body).toMatchObject({ status: 'stopped' });
      expect(await running.host.context.backends.sandbox.list()).toEqual([]);
    } finally {
      await killSwitch.close();
    }
  });

  it('fails closed when reading the kill switch throws', async () => {
    // Fault injection: a kill switch whose every read rejects (for example a broken custom adapter).
    const broken = createStubKillSwitch();
    broken.isActive = () => Promise.reject(new Error('socket hang up'));
    broken.getState = () => Promise.reject(new Error('socket hang up'));
    const { client, actors, events } = await start({ host: { overrides: { killSwitch: broken } } });
    const refused = await client.send(actors.operator, 'POST', '/sessions/code-assistant/messages', bash('true'));
    expect(refused.body.error).toEqual({
      code: 'KILL_SWITCH_ACTIVE',
      message: 'Kill switch is active: the kill switch could not be read, so the host fails closed',
    });
    expect((await client.send({ kind: 'anonymous' }, 'GET', '/health')).body).toMatchObject({
      status: 'stopped',
      killSwitch: { active: 'unknown' },
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'access_denied', details: expect.objectContaining({ step: 'kill-switch' }) }),
    );
  });
});
