import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ListRootsResultSchema,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';

// The gateway opens one 2025-11-25 session with the upstream for every 2026-07-28 client. The
// upstream here is the SDK's own Streamable HTTP server, which routes each answer (and each
// cancellation) by request id within a session: what one caller chooses as an id must never
// decide where another caller's answer goes.
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Calls of the `hold` tool that reached the server, waiting for the test to release them. */
const held = new Map<string, { release: () => void; signal: AbortSignal }>();
const arrivals = new Map<string, () => void>();
const arrived = (who: string) => new Promise<void>((resolve) => arrivals.set(who, resolve));

function mcpServer(): Server {
  const server = new Server({ name: 'holding', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      { name: 'hold', inputSchema: { type: 'object', properties: { who: { type: 'string' } } } },
      { name: 'roots', inputSchema: { type: 'object' } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    // Asks the client of the call for its roots, and answers with them.
    if (request.params.name === 'roots') {
      const roots = await extra.sendRequest({ method: 'roots/list', params: {} }, ListRootsResultSchema);
      return { content: [{ type: 'text', text: JSON.stringify(roots) }] };
    }
    const who = String(request.params.arguments?.who);
    await new Promise<void>((resolve) => {
      held.set(who, { release: resolve, signal: extra.signal });
      arrivals.get(who)?.();
    });
    return { content: [{ type: 'text', text: `result for ${who}` }] };
  });
  return server;
}

let upstream: HttpServer;
let gateway: HttpGateway;

function startUpstream(): Promise<string> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  upstream = createServer((request, response) => {
    const sessionId = request.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (transport === undefined) {
      const opened = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, opened),
      });
      void mcpServer().connect(opened);
      transport = opened;
    }
    void transport.handleRequest(request, response);
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`)),
  );
}

beforeAll(async () => {
  const config: WardenMcpConfigInput = {
    upstreams: { holding: { url: await startUpstream() } },
    callers: {
      alice: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('alice-token')] },
      mallory: { type: 'api', trustLevel: 'trusted', tokenDigests: [sha('mallory-token')] },
    },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
    http: { port: 0 },
    limits: { requestTimeoutMs: 5_000 },
  };
  gateway = await startHttpGateway({
    enforcer: createMcpEnforcer({ config, killSwitch: createStubKillSwitch() }),
    config,
  });
});

afterAll(async () => {
  for (const call of held.values()) call.release();
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** A 2026-07-28 message from a caller (no session of its own: the gateway bridges it). */
const post = (token: string, body: { method: string; id?: unknown; params?: unknown }) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': body.method,
      ...(body.method === 'tools/call' ? { 'mcp-name': String((body.params as { name: string }).name) } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...body }),
  });

const callHold = (token: string, id: unknown, who: string) =>
  post(token, { id, method: 'tools/call', params: { name: 'hold', arguments: { who } } }).then((response) =>
    response.text(),
  );

describe('HTTP gateway: 2026-07-28 callers sharing the bridged upstream session (attacker: another caller)', () => {
  it("a caller reusing another caller's request id gets its own answer, never the other caller's (it got it)", async () => {
    const aliceArrived = arrived('alice');
    const alice = callHold('alice-token', 7, 'alice');
    await aliceArrived;
    const malloryArrived = arrived('mallory');
    const mallory = callHold('mallory-token', 7, 'mallory');
    await malloryArrived;
    held.get('alice')?.release();
    const aliceAnswer = await alice;
    held.get('mallory')?.release();
    const malloryAnswer = await mallory;
    expect(malloryAnswer).not.toContain('result for alice');
    expect(malloryAnswer).toContain('result for mallory');
    expect(aliceAnswer).toContain('result for alice');
  });

  it("a caller's notifications/cancelled cannot cancel another caller's call, whatever id it names", async () => {
    const aliceArrived = arrived('alice-2');
    const alice = callHold('alice-token', 9, 'alice-2');
    await aliceArrived;
    // The client's own id, and every id the gateway could have given the call upstream.
    const guesses: unknown[] = [9, ...Array.from({ length: 64 }, (_, index) => `warden-${index}`)];
    for (const requestId of guesses)
      expect((await post('mallory-token', { method: 'notifications/cancelled', params: { requestId } })).status).toBe(
        202,
      );
    // A request after the notifications: by the time it is answered, the server has read them.
    const malloryArrived = arrived('mallory-2');
    const mallory = callHold('mallory-token', 10, 'mallory-2');
    await malloryArrived;
    expect(held.get('alice-2')?.signal.aborted).toBe(false);
    held.get('alice-2')?.release();
    held.get('mallory-2')?.release();
    expect(await alice).toContain('result for alice-2');
    expect(await mallory).toContain('result for mallory-2');
  });

  it("a caller cannot answer the upstream's request sent to another caller's client (it could: the session is shared)", async () => {
    const alice = await post('alice-token', { id: 12, method: 'tools/call', params: { name: 'roots', arguments: {} } });
    const reader = (alice.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('roots/list')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const request = JSON.parse(text.split('data: ')[1]?.split('\n')[0] ?? '{}') as { id: unknown; method: string };
    expect(request.method, text).toBe('roots/list');
    const answer = (id: unknown, uri: string) => ({ jsonrpc: '2.0', id, result: { roots: [{ uri }] } });
    // Mallory answers first, with the id alice's client was sent (the SDK server counts from 0).
    const answerAs = (token: string, body: unknown) =>
      fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'mcp-protocol-version': '2026-07-28',
        },
        body: JSON.stringify(body),
      });
    expect((await answerAs('mallory-token', answer(request.id, 'file:///mallory'))).status).toBe(202);
    expect((await answerAs('alice-token', answer(request.id, 'file:///alice'))).status).toBe(202);
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value);
    expect(text).toContain('file:///alice');
    expect(text).not.toContain('file:///mallory');
  });
});
