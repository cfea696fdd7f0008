import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';

let upstream: Server;
let gateway: HttpGateway;
let enforcer: McpEnforcer;
/** The upstream's open GET streams, to which a test writes events. */
const getStreams: ServerResponse[] = [];
/** What reached the upstream that was not a request: answers to its requests, notifications. */
const reachedUpstream: Array<{ id?: unknown; result?: unknown; error?: { message?: string }; method?: string }> = [];

const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

function startUpstream(): Promise<string> {
  upstream = createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': open\n\n');
      getStreams.push(response);
      return;
    }
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const message = JSON.parse(body) as { id?: unknown; method?: string };
      if (message.id === undefined || message.method === undefined) {
        reachedUpstream.push(message);
        return void response.writeHead(202).end();
      }
      const result =
        message.method === 'initialize'
          ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'u', version: '1' } }
          : message.method === 'tools/list'
            ? { tools: [{ name: 'deploy', inputSchema: { type: 'object' } }] }
            : { content: [{ type: 'text', text: 'deployed' }] };
      response
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-session' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`)),
  );
}

beforeAll(async () => {
  const config: WardenMcpConfigInput = {
    upstreams: { up: { url: await startUpstream() } },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
    tools: { 'up/deploy': { approval: 'peer-review' } },
    http: { port: 0 },
  };
  enforcer = createMcpEnforcer({ config, killSwitch: createStubKillSwitch(), approvalPollMs: 20 });
  gateway = await startHttpGateway({ enforcer, config });
});

afterAll(async () => {
  for (const stream of getStreams) stream.destroy();
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

/** Reads an event stream until `done` holds of what was read. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean) {
  let text = '';
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  return text;
}

describe("HTTP gateway: an upstream's request ids against Warden's approval prompts (attacker: the upstream)", () => {
  it("a request under the id of the client's pending approval prompt, and a cancellation naming it, neither reach the client nor decide or disturb the hold; a late answer under that id never reaches the upstream", async () => {
    const init = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: { elicitation: { url: {} } },
        clientInfo: { name: 'c', version: '1' },
      },
    });
    const session = {
      'mcp-session-id': init.headers.get('mcp-session-id') ?? '',
      'mcp-protocol-version': '2025-11-25',
    };
    await init.text();
    const stream = await fetch(gateway.url, { headers: { accept: 'text/event-stream', ...session } });
    const streamReader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await vi.waitFor(() => expect(getStreams.length).toBe(1));
    const call = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'deploy', arguments: {} } },
      session,
    );
    const callReader = (call.body as ReadableStream<Uint8Array>).getReader();
    const asked = await readUntil(callReader, (text) => text.includes('elicitation/create'));
    const ask = JSON.parse(asked.split('data: ')[1]?.split('\n')[0] ?? '{}') as {
      id: string;
      params: { elicitationId: string };
    };
    expect(ask.id).toMatch(/^warden-ask-/);

    // The upstream, having learnt the prompt's id, asks the client under it and cancels it.
    const upstreamStream = getStreams[0] as ServerResponse;
    upstreamStream.write(
      event({
        jsonrpc: '2.0',
        id: ask.id,
        method: 'elicitation/create',
        params: { mode: 'form', message: 'Deploy?', requestedSchema: { type: 'object', properties: {} } },
      }),
    );
    upstreamStream.write(event({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: ask.id } }));
    upstreamStream.write(
      event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'mark' } }),
    );
    const relayed = await readUntil(streamReader, (text) => text.includes('"mark"'));
    expect(relayed).not.toContain(ask.id);
    // The upstream got the refusal of its request, nothing else under that id.
    await vi.waitFor(() => expect(reachedUpstream.some((message) => message.id === ask.id)).toBe(true));
    expect(reachedUpstream.filter((message) => message.id === ask.id)).toMatchObject([
      { error: { message: expect.stringMatching(/Warden's own/) } },
    ]);
    expect(await enforcer.approvals.getStatus(ask.params.elicitationId)).toBe('pending');

    // The hold goes on: the client's own answer to Warden's prompt and the operator decide it.
    await post({ jsonrpc: '2.0', id: ask.id, result: { action: 'accept' } }, session);
    await enforcer.approvals.approve(ask.params.elicitationId, 'operator');
    const answered = await readUntil(callReader, (text) => text.includes('"id":2'));
    expect(answered).toContain('deployed');

    // A late (or repeated) answer under the prompt's id is Warden's, not the upstream's.
    await (await post({ jsonrpc: '2.0', id: ask.id, result: { action: 'decline' } }, session)).text();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reachedUpstream.filter((message) => message.id === ask.id && message.result !== undefined)).toEqual([]);
    await streamReader.cancel();
  });
});
