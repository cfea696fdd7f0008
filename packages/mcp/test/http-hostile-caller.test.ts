import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Everything the upstream received: POSTed messages, and `GET` / `DELETE` for stream requests. */
const received: unknown[] = [];
let upstream: Server;
let gateway: HttpGateway;
let enforcer: McpEnforcer;
const killSwitch = createStubKillSwitch();
let upstreamSessions = 0;

/** A Streamable HTTP upstream that records every message and answers with plain JSON. */
function startRecordingUpstream(): Promise<string> {
  upstream = createServer((request, response) => {
    if (request.method !== 'POST') {
      received.push(request.method);
      return void response.writeHead(200, { 'content-type': 'text/event-stream' }).end();
    }
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const message = JSON.parse(body) as { id?: unknown; method?: string };
      received.push(message);
      if (message.id === undefined || message.method === undefined) return void response.writeHead(202).end();
      if (message.method === 'tools/call' && JSON.stringify(message).includes('"sample"')) {
        // The operator stops everything while the call runs; the server then asks the client's model for work.
        void killSwitch.activate('incident').then(() => {
          const sampling = { jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: { messages: [] } };
          const result = { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'sampled' }] } };
          response
            .writeHead(200, { 'content-type': 'text/event-stream' })
            .end(
              `event: message\ndata: ${JSON.stringify(sampling)}\n\nevent: message\ndata: ${JSON.stringify(result)}\n\n`,
            );
        });
        return;
      }
      const result =
        message.method === 'initialize'
          ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'rec', version: '1' } }
          : message.method === 'tools/list'
            ? {
                tools: [
                  { name: 'deploy', inputSchema: { type: 'object' } },
                  { name: 'sample', inputSchema: { type: 'object' } },
                ],
              }
            : { content: [{ type: 'text', text: 'ran' }] };
      // A new session id for each initialize, as a real server issues.
      const sessionId = message.method === 'initialize' ? `upstream-session-${++upstreamSessions}` : 'upstream-session';
      response
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sessionId })
        .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`)),
  );
}

const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });

/** Initializes an MCP session as the caller with this token (optionally declaring client capabilities); returns its id. */
async function openSession(token: string, capabilities: Record<string, unknown> = {}): Promise<string> {
  const init = await post(token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'a', version: '1' } },
  });
  await init.text();
  return init.headers.get('mcp-session-id') ?? '';
}

beforeAll(async () => {
  const config: WardenMcpConfigInput = {
    upstreams: { rec: { url: await startRecordingUpstream() } },
    callers: {
      alice: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('alice-token')] },
      mallory: { type: 'api', trustLevel: 'semi-trusted', tokenDigests: [sha('mallory-token')] },
      trudy: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('trudy-token')] },
    },
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['trust:trusted'],
      sessions: { rec: { tools: { deny: ['x'] } } },
    },
    pinning: { mode: 'off' },
    tools: { 'rec/deploy': { approval: 'peer-review' } },
    http: { port: 0 },
  };
  enforcer = createMcpEnforcer({ config, killSwitch, approvalPollMs: 20 });
  gateway = await startHttpGateway({ enforcer, config });
});

afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('HTTP gateway: a hostile caller going around the request checks', () => {
  it('a 2026-07-28 request while the kill switch is on sends nothing upstream, not even the bridge’s initialize', async () => {
    received.length = 0;
    await killSwitch.activate('incident');
    try {
      const response = await post(
        'alice-token',
        { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
        { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      );
      const body = (await response.json()) as { error: { data: { warden: { code: string } } } };
      expect(body.error.data.warden.code).toBe('KILL_SWITCH_ACTIVE');
      await post(
        'mallory-token',
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'notifications/initialized',
        },
      );
    } finally {
      await killSwitch.deactivate();
    }
    expect(received).toEqual([]);
  });

  it('a tools/call sent as a notification (no id) is answered 202 and never reaches the upstream', async () => {
    received.length = 0;
    const response = await post('alice-token', { jsonrpc: '2.0', method: 'tools/call', params: { name: 'deploy' } });
    expect(response.status).toBe(202);
    expect(received).toEqual([]);
  });

  it('a caller who may not reach the upstream gets no notification, answer, event stream or session end through', async () => {
    received.length = 0;
    await post('mallory-token', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
    await post('mallory-token', { jsonrpc: '2.0', id: 'u1', result: { content: { type: 'text', text: 'hi' } } });
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(gateway.url, {
        method,
        headers: { authorization: 'Bearer mallory-token', 'mcp-session-id': 'upstream-session' },
      });
      expect(response.status).toBe(403);
      expect(
        ((await response.json()) as { error: { data: { warden: { code: string } } } }).error.data.warden.code,
      ).toBe('ACCESS_DENIED');
    }
    expect(received).toEqual([]);
  });

  it("another caller cannot answer (decline) the approval elicitation Warden sent to a caller's client", async () => {
    const sessionId = await openSession('alice-token', { elicitation: { url: {} } });
    const call = await post(
      'alice-token',
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'deploy', arguments: {} } },
      { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    );
    const reader = (call.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('elicitation/create')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    const ask = JSON.parse(text.split('data: ')[1]?.split('\n')[0] ?? '{}') as {
      id: string;
      params: { elicitationId: string };
    };
    // Trudy may reach the upstream too, but the question was not hers.
    await post('trudy-token', { jsonrpc: '2.0', id: ask.id, result: { action: 'decline' } });
    await post('alice-token', { jsonrpc: '2.0', id: ask.id, result: { action: 'accept' } });
    await enforcer.approvals.approve(ask.params.elicitationId, 'operator');
    while (!text.includes('"id":2')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain('"text":"ran"');
    expect(await enforcer.approvals.getStatus(ask.params.elicitationId)).toBe('approved');
  });
});

describe('HTTP gateway: an upstream asking the client for work after the kill switch turned on', () => {
  it('its sampling request is not relayed to the client', async () => {
    try {
      const response = await post('alice-token', {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'sample', arguments: {} },
      });
      const text = await response.text();
      expect(text).toContain('sampled');
      expect(text).not.toContain('sampling/createMessage');
    } finally {
      await killSwitch.deactivate();
    }
  });
});

describe('HTTP gateway: 2026-07-28 callers sharing the bridged upstream session', () => {
  it("one cannot set the session's logging level or its resource subscriptions for all (METHOD_NOT_ALLOWED, nothing reaches the upstream); a caller with a session of its own can", async () => {
    const bridged = { 'mcp-protocol-version': '2026-07-28' };
    received.length = 0;
    for (const [method, params] of [
      ['logging/setLevel', { level: 'debug' }],
      ['resources/subscribe', { uri: 'file:///docs/a' }],
      ['resources/unsubscribe', { uri: 'file:///docs/a' }],
    ] as const) {
      const response = await post(
        'alice-token',
        { jsonrpc: '2.0', id: 9, method, params },
        { ...bridged, 'mcp-method': method, ...(method === 'logging/setLevel' ? {} : { 'mcp-name': params.uri }) },
      );
      const body = (await response.json()) as { error: { data: { warden: { code: string } } } };
      expect(body.error.data.warden.code).toBe('METHOD_NOT_ALLOWED');
    }
    expect(received.some((message) => JSON.stringify(message).includes('logging/setLevel'))).toBe(false);
    expect(received.some((message) => JSON.stringify(message).includes('resources/'))).toBe(false);

    const sessionId = await openSession('alice-token');
    const own = await post(
      'alice-token',
      { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } },
      { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    );
    expect(((await own.json()) as { error?: unknown }).error).toBeUndefined();
    expect(received.some((message) => JSON.stringify(message).includes('logging/setLevel'))).toBe(true);
  });
});

describe('HTTP gateway: a caller who learnt another caller’s session id', () => {
  it('cannot send requests in that session, read its event stream or end it (404, ACCESS_DENIED)', async () => {
    const sessionId = await openSession('alice-token');
    expect(sessionId).not.toBe('');
    received.length = 0;
    const hijack = await post(
      'trudy-token',
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      { 'mcp-session-id': sessionId },
    );
    expect(hijack.status).toBe(404);
    expect(((await hijack.json()) as { error: { data: { warden: { code: string } } } }).error.data.warden.code).toBe(
      'ACCESS_DENIED',
    );
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(gateway.url, {
        method,
        headers: { authorization: 'Bearer trudy-token', 'mcp-session-id': sessionId },
      });
      expect(response.status).toBe(404);
      await response.text();
    }
    expect(received).toEqual([]);
    // The owner still uses it.
    const own = await post(
      'alice-token',
      { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} },
      { 'mcp-session-id': sessionId },
    );
    expect(own.status).toBe(200);
    await own.text();
  });
});

describe('HTTP gateway: a caller opening session after session to push out everyone else’s', () => {
  let bounded: HttpGateway;
  const initialize = (url: string, token: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
      }),
    }).then(async (response) => {
      await response.text();
      return response.headers.get('mcp-session-id') ?? '';
    });
  const listIn = (url: string, token: string, sessionId: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    }).then(async (response) => {
      await response.text();
      return response.status;
    });

  beforeAll(async () => {
    const config: WardenMcpConfigInput = {
      upstreams: { rec: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp` } },
      callers: {
        alice: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('alice-token')] },
        trudy: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('trudy-token')] },
      },
      security: { unmappedTools: 'allow', defaultAccess: ['trust:trusted'] },
      pinning: { mode: 'off' },
      http: { port: 0, maxSessionsPerCaller: 3 },
    };
    bounded = await startHttpGateway({ enforcer: createMcpEnforcer({ config }), config });
  });
  afterAll(async () => {
    await bounded?.close();
  });

  it('past http.maxSessionsPerCaller only its own least recently used session is ended; every other caller keeps theirs', async () => {
    const alices = [await initialize(bounded.url, 'alice-token'), await initialize(bounded.url, 'alice-token')];
    const trudys: string[] = [];
    for (let index = 0; index < 20; index += 1) trudys.push(await initialize(bounded.url, 'trudy-token'));
    for (const sessionId of alices) expect(await listIn(bounded.url, 'alice-token', sessionId)).toBe(200);
    // Trudy keeps her three most recent sessions; the older ones are unknown (404), as for any client.
    expect(await listIn(bounded.url, 'trudy-token', trudys[0] ?? '')).toBe(404);
    for (const sessionId of trudys.slice(-3)) expect(await listIn(bounded.url, 'trudy-token', sessionId)).toBe(200);
  });

  it('a session in use is kept over one left idle, and one its client ended no longer counts', async () => {
    const open = () => initialize(bounded.url, 'alice-token');
    const [first, second, third] = [await open(), await open(), await open()];
    expect(await listIn(bounded.url, 'alice-token', first)).toBe(200);
    const fourth = await open(); // pushes out `second`, the least recently used
    const ended = await fetch(bounded.url, {
      method: 'DELETE',
      headers: { authorization: 'Bearer alice-token', 'mcp-session-id': third },
    });
    await ended.text();
    const fifth = await open(); // room left by `third`: nothing pushed out
    for (const sessionId of [first, fourth, fifth])
      expect(await listIn(bounded.url, 'alice-token', sessionId)).toBe(200);
    for (const sessionId of [second, third]) expect(await listIn(bounded.url, 'alice-token', sessionId)).toBe(404);
  });
});

describe('HTTP gateway without callers on loopback: a web page in the browser of the machine it runs on', () => {
  let anonymous: HttpGateway;
  beforeAll(async () => {
    const config: WardenMcpConfigInput = {
      upstreams: { rec: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp` } },
      security: { unmappedTools: 'allow', defaultAccess: ['*'] },
      pinning: { mode: 'off' },
      http: { port: 0 },
    };
    anonymous = await startHttpGateway({ enforcer: createMcpEnforcer({ config }), config });
  });
  afterAll(async () => {
    await anonymous?.close();
  });

  const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: {} } };

  it('a POST from another local site (localhost:3000) sent as text/plain, with no CORS preflight, is refused with 415 before reaching the upstream', async () => {
    received.length = 0;
    const response = await fetch(anonymous.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://localhost:3000' },
      body: JSON.stringify(call),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { data: { warden: { code: string } } } }).error.data.warden.code).toBe(
      'INVALID_REQUEST',
    );
    expect(received).toEqual([]);
  });

  it('a request from a sandboxed iframe or a local file (Origin: null) is refused with 403', async () => {
    received.length = 0;
    const response = await fetch(anonymous.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: 'null' },
      body: JSON.stringify(call),
    });
    expect(response.status).toBe(403);
    expect(received).toEqual([]);
  });
});

describe('HTTP gateway listening on another loopback address: a DNS-rebinding page', () => {
  it('a Host naming another site is refused on 127.0.0.2 as on 127.0.0.1', async () => {
    const config: WardenMcpConfigInput = {
      upstreams: { rec: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp` } },
      security: { unmappedTools: 'allow', defaultAccess: ['*'] },
      pinning: { mode: 'off' },
      http: { host: '127.0.0.2', port: 0 },
    };
    const second = await startHttpGateway({ enforcer: createMcpEnforcer({ config }), config });
    try {
      received.length = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const outgoing = request(
          second.url,
          {
            method: 'POST',
            headers: { host: 'rebound.example:8787', 'content-type': 'application/json', accept: 'application/json' },
          },
          (answer) => {
            answer.resume();
            resolve(answer.statusCode ?? 0);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
      });
      expect(status).toBe(403);
      expect(received).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe("HTTP gateway: a caller in a session of its own using the ids of Warden's own requests (attacker: the caller)", () => {
  it("a request under an id of Warden's (warden-…) is INVALID_REQUEST and a cancellation naming one is dropped: neither reaches the upstream", async () => {
    const sessionId = await openSession('alice-token');
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    received.length = 0;
    // Warden lists the upstream's tools in this session under `warden-<n>`: a ping under that id
    // would be answered with the unfiltered listing (the upstream routes answers by id), and a
    // cancellation naming it would withdraw Warden's listing.
    const stolen = await post('alice-token', { jsonrpc: '2.0', id: 'warden-1', method: 'ping' }, headers);
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: { data: { warden: { code: string } } } }).error.data.warden.code).toBe(
      'INVALID_REQUEST',
    );
    const cancel = await post(
      'alice-token',
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'warden-2' } },
      headers,
    );
    expect(cancel.status).toBe(202);
    const own = await post('alice-token', { jsonrpc: '2.0', id: 'mine-1', method: 'ping' }, headers);
    expect(own.status).toBe(200);
    await own.text();
    expect(received).toEqual([expect.objectContaining({ id: 'mine-1', method: 'ping' })]);
  });
});
