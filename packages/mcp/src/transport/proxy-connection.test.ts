import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../config/config-schema.js';
import { createMcpEnforcer } from '../enforcer/enforcer.js';
import { createProxyConnection } from './proxy-connection.js';

const config: WardenMcpConfigInput = {
  upstreams: { fs: { command: ['server'] } },
  security: { unmappedTools: 'allow', defaultAccess: ['*'], sessions: { fs: { tools: { deny: ['delete_*'] } } } },
  pinning: { mode: 'off' },
};

/** A relay whose upstream only records what reaches it. */
function relay() {
  const killSwitch = createStubKillSwitch();
  const session = createMcpEnforcer({ config, killSwitch }).openSession({ upstream: 'fs' });
  const toUpstream: Array<Record<string, unknown>> = [];
  const toClient: Array<Record<string, unknown>> = [];
  const connection = createProxyConnection({
    session,
    requestTimeoutMs: 60_000,
    sendToClient: (message) => toClient.push(message as Record<string, unknown>),
    sendToUpstream: (message) => toUpstream.push(message as Record<string, unknown>),
  });
  return { connection, killSwitch, toUpstream, toClient };
}

/** Lets the relay's pending checks (kill switch, policy) settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('createProxyConnection(config): a hostile client over stdio', () => {
  it('a denied tools/call sent as a notification (no id) never reaches the upstream', async () => {
    const { connection, toUpstream } = relay();
    connection.fromClient({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete_everything' } });
    connection.fromClient({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await settled();
    await settled();
    expect(toUpstream.map((message) => message.method)).toEqual(['notifications/initialized']);
  });

  it('an answer to an upstream request does not reach the upstream while the kill switch is on', async () => {
    const { connection, killSwitch, toUpstream, toClient } = relay();
    connection.fromUpstream({ jsonrpc: '2.0', id: 7, method: 'sampling/createMessage', params: {} });
    const relayedId = toClient[0]?.id;
    await killSwitch.activate('incident');
    connection.fromClient({ jsonrpc: '2.0', id: relayedId, result: { content: { type: 'text', text: 'rm -rf /' } } });
    await settled();
    await settled();
    expect(toUpstream).toEqual([]);
  });
});

describe('createProxyConnection(config): an upstream asking the client for work while the kill switch is on', () => {
  it('a sampling request from the upstream is answered KILL_SWITCH_ACTIVE and never reaches the client', async () => {
    const { connection, killSwitch, toUpstream, toClient } = relay();
    await killSwitch.activate('incident');
    connection.fromUpstream({ jsonrpc: '2.0', id: 9, method: 'sampling/createMessage', params: { messages: [] } });
    await settled();
    await settled();
    expect(toClient).toEqual([]);
    expect(toUpstream).toMatchObject([{ id: 9, error: { data: { warden: { code: 'KILL_SWITCH_ACTIVE' } } } }]);
  });
});

describe('createProxyConnection(config): a hostile upstream', () => {
  it('a request nested 30,000 deep, which cannot be written, is dropped without ending the process', async () => {
    const killSwitch = createStubKillSwitch();
    const session = createMcpEnforcer({ config, killSwitch }).openSession({ upstream: 'fs' });
    const written: string[] = [];
    // Writes like the line writer: serialising is where a deep message throws.
    const connection = createProxyConnection({
      session,
      requestTimeoutMs: 60_000,
      sendToClient: (message) => written.push(JSON.stringify(message)),
      sendToUpstream: (message) => written.push(JSON.stringify(message)),
    });
    let params: unknown = {};
    for (let depth = 0; depth < 30_000; depth += 1) params = { nested: params };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      connection.fromUpstream({ jsonrpc: '2.0', id: 1, method: 'sampling/createMessage', params });
      await settled();
      await settled();
      await settled();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(written).toEqual([]);
  });
});

describe('createProxyConnection(config): a hostile upstream over stdio', () => {
  it('a request it sends without an id (an elicitation/create Warden would screen) never reaches the client; notifications/… do', async () => {
    const { connection, toClient } = relay();
    const imitation = { mode: 'url', elicitationId: 'a1', url: 'https://evil.example/approve', message: 'Approve?' };
    connection.fromUpstream({ jsonrpc: '2.0', method: 'elicitation/create', params: imitation });
    connection.fromUpstream({ jsonrpc: '2.0', method: 'sampling/createMessage', params: { messages: [] } });
    connection.fromUpstream({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    await settled();
    expect(toClient.map((message) => message.method)).toEqual(['notifications/message']);
  });
});

describe('createProxyConnection(config): cancellations over stdio', () => {
  /** Until `predicate` holds of what reached the upstream (the session's checks settle first). */
  const until = async (toUpstream: Array<Record<string, unknown>>, predicate: () => boolean) => {
    for (let turn = 0; turn < 100 && !predicate(); turn += 1) await settled();
    expect(predicate()).toBe(true);
    return toUpstream;
  };

  it("a client's cancellation reaches the upstream naming the id it gave the call; one naming Warden's own request or nothing known does not", async () => {
    const { connection, toUpstream } = relay();
    connection.fromClient({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow', arguments: {} } });
    // Warden lists the tools first (the call names one it has not seen), under an id of its own.
    const listing = (await until(toUpstream, () => toUpstream.length === 1))[0];
    expect(listing?.method).toBe('tools/list');
    connection.fromUpstream({
      jsonrpc: '2.0',
      id: listing?.id,
      result: { tools: [{ name: 'slow', inputSchema: { type: 'object' } }] },
    });
    const call = (await until(toUpstream, () => toUpstream.length === 2))[1];
    expect(call).toMatchObject({ method: 'tools/call' });
    for (const requestId of [listing?.id, 'w99', 6, 5])
      connection.fromClient({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'stop' },
      });
    await until(toUpstream, () => toUpstream.length >= 3);
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toUpstream.slice(2)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: call?.id, reason: 'stop' } },
    ]);
  });
});

describe('createProxyConnection(config): upstream notifications while the kill switch is on', () => {
  /** A relay whose enforcer's decisions are kept, over `killSwitch`. */
  function observedRelay(killSwitch = createStubKillSwitch()) {
    const enforcer = createMcpEnforcer({ config, killSwitch });
    const decisions: Array<Record<string, unknown>> = [];
    enforcer.events.on('security', (event) => decisions.push(event.details as Record<string, unknown>));
    const toUpstream: Array<Record<string, unknown>> = [];
    const toClient: Array<Record<string, unknown>> = [];
    const connection = createProxyConnection({
      session: enforcer.openSession({ upstream: 'fs' }),
      requestTimeoutMs: 60_000,
      sendToClient: (message) => toClient.push(message as Record<string, unknown>),
      sendToUpstream: (message) => toUpstream.push(message as Record<string, unknown>),
    });
    return { connection, killSwitch, decisions, toUpstream, toClient };
  }
  const notifications = [
    { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'secret log line' } },
    { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'file:///etc/passwd' } },
    { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 50 } },
  ];

  it('logging, resources/updated, tools/list_changed and progress never reach the client; the run of drops is recorded once; once it is off they flow again', async () => {
    const { connection, killSwitch, decisions, toClient } = observedRelay();
    await killSwitch.activate('incident');
    for (const notification of [...notifications, ...notifications]) connection.fromUpstream(notification);
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient).toEqual([]);
    const dropped = decisions.filter((details) => details.from === 'upstream');
    expect(dropped).toEqual([
      expect.objectContaining({ mcp: 'denied', method: 'notifications/message', code: 'KILL_SWITCH_ACTIVE' }),
    ]);
    await killSwitch.deactivate();
    for (const notification of notifications) connection.fromUpstream(notification);
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient).toEqual(notifications);
  });

  it('a kill switch that cannot answer drops them too (fails closed, BACKEND_UNAVAILABLE)', async () => {
    const broken = { ...createStubKillSwitch(), isActive: () => Promise.reject(new Error('redis down')) };
    const { connection, decisions, toClient } = observedRelay(broken);
    for (const notification of notifications) connection.fromUpstream(notification);
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient).toEqual([]);
    expect(decisions.filter((details) => details.from === 'upstream')).toMatchObject([{ code: 'BACKEND_UNAVAILABLE' }]);
  });

  it('the answer to a call forwarded before the switch turned on still reaches its client; the notifications sent with it do not', async () => {
    const { connection, killSwitch, toUpstream, toClient } = observedRelay();
    connection.fromClient({ jsonrpc: '2.0', id: 1, method: 'ping' });
    for (let turn = 0; turn < 100 && toUpstream.length === 0; turn += 1) await settled();
    await killSwitch.activate('incident');
    connection.fromUpstream(notifications[0]);
    connection.fromUpstream({ jsonrpc: '2.0', id: toUpstream[0]?.id, result: {} });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
  });

  it('notifications keep the order the upstream sent them in', async () => {
    const { connection, toClient } = observedRelay();
    const numbered = Array.from({ length: 50 }, (_, index) => ({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 't', progress: index },
    }));
    for (const notification of numbered) connection.fromUpstream(notification);
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient).toEqual(numbered);
  });
});

describe("createProxyConnection(config): an upstream's request ids against Warden's own", () => {
  it("an upstream request under the id of Warden's pending approval prompt, and a cancellation naming it, can neither answer nor withdraw that prompt", async () => {
    const { connection, toUpstream, toClient } = relay();
    let decided: unknown = 'pending';
    void connection
      .askClient('elicitation/create', { mode: 'url', url: 'urn:warden:approval:a1', message: 'Warden holds' })
      .then((answer) => {
        decided = answer;
      });
    const wardenId = toClient[0]?.id;
    expect(typeof wardenId).toBe('string');
    // The upstream names Warden's prompt: a cancellation of it, then a request of its own under its id.
    connection.fromUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: wardenId } });
    connection.fromUpstream({
      jsonrpc: '2.0',
      id: wardenId,
      method: 'elicitation/create',
      params: { mode: 'form', message: 'Deploy?', requestedSchema: { type: 'object', properties: {} } },
    });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient.map((message) => message.method)).toEqual(['elicitation/create', 'elicitation/create']);
    const relayed = toClient[1] as { id: unknown };
    expect(relayed.id).not.toEqual(wardenId);
    // The client accepts the upstream's question: the answer goes to the upstream, under its id.
    connection.fromClient({ jsonrpc: '2.0', id: relayed.id, result: { action: 'accept', content: {} } });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toUpstream).toEqual([{ jsonrpc: '2.0', id: wardenId, result: { action: 'accept', content: {} } }]);
    expect(decided).toBe('pending');
    // Warden's prompt is decided only by the client's answer to it.
    connection.fromClient({ jsonrpc: '2.0', id: wardenId, result: { action: 'decline' } });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(decided).toEqual({ action: 'decline' });
  });

  it("an upstream's cancellation of its own relayed request reaches the client naming the id the client saw", async () => {
    const { connection, toClient } = relay();
    connection.fromUpstream({ jsonrpc: '2.0', id: 7, method: 'roots/list' });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    const relayedId = toClient[0]?.id;
    connection.fromUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } });
    connection.fromUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8 } });
    for (let turn = 0; turn < 5; turn += 1) await settled();
    expect(toClient.slice(1)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: relayedId } },
    ]);
  });
});
