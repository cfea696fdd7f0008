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
const stub = createStubKillSwitch();
/** When set, the kill switch cannot answer (a stale Redis copy), and tells no listener so. */
let unreachable = false;
const killSwitch = {
  ...stub,
  isActive: () => (unreachable ? Promise.reject(new Error('redis down')) : stub.isActive()),
};
/** The upstream's open GET streams, to which a test writes events. */
const getStreams: ServerResponse[] = [];

const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const unasked = [
  { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'secret log line' } },
  { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'file:///etc/passwd' } },
  { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 50 } },
];

/** An upstream whose `notify` tool turns the kill switch on, then streams notifications and its answer. */
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
      if (message.id === undefined || message.method === undefined) return void response.writeHead(202).end();
      const json = (result: unknown) =>
        response
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-session' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.method === 'initialize')
        return json({
          protocolVersion: '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'n', version: '1' },
        });
      if (message.method === 'tools/list')
        return json({ tools: [{ name: 'notify', inputSchema: { type: 'object' } }] });
      void killSwitch.activate('incident').then(() => {
        const answer = { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } };
        response.writeHead(200, { 'content-type': 'text/event-stream' }).end([...unasked, answer].map(event).join(''));
      });
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
    http: { port: 0 },
  };
  enforcer = createMcpEnforcer({ config, killSwitch });
  gateway = await startHttpGateway({ enforcer, config });
});

afterAll(async () => {
  for (const stream of getStreams) stream.destroy();
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** The JSON-RPC messages of an event-stream body. */
const messagesOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as { id?: unknown; method?: string });

describe('HTTP gateway: an upstream notifying the client while the kill switch is on', () => {
  it("on a call's stream, logging, resources/updated, tools/list_changed and progress never reach the client; the call's answer does; the drop is recorded", async () => {
    const decisions: Array<Record<string, unknown>> = [];
    enforcer.events.on('security', (security) => decisions.push(security.details as Record<string, unknown>));
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'notify', arguments: {} },
        }),
      });
      const received = messagesOf(await response.text());
      expect(received.map((message) => message.method ?? message.id)).toEqual([1]);
      expect(decisions.filter((details) => details.from === 'upstream')).toMatchObject([
        { mcp: 'denied', method: 'notifications/message', code: 'KILL_SWITCH_ACTIVE' },
      ]);
    } finally {
      await killSwitch.deactivate();
    }
  });

  it('on the GET stream, a notification sent once the switch cannot answer (no change was announced) never reaches the client, and the stream ends', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/event-stream' } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await vi.waitFor(() => expect(getStreams.length).toBe(1));
    const stream = getStreams[0] as ServerResponse;
    let text = '';
    stream.write(event(unasked[0]));
    while (!text.includes('secret log line')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain('secret log line');
    unreachable = true;
    try {
      stream.write(event({ ...unasked[0], params: { level: 'info', data: 'after the incident' } }));
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      expect(text).not.toContain('after the incident');
    } finally {
      unreachable = false;
    }
  });
});
