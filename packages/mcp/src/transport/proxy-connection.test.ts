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
