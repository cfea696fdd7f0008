import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';
import { connectDirect, deniedCode, everythingServer, filesystemServer } from './helpers.js';

const sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), 'warden-mcp-http-fs-')));
const docs = path.join(sandbox, 'docs');
mkdirSync(docs);
writeFileSync(path.join(docs, 'readme.txt'), 'public notes\n');
writeFileSync(path.join(sandbox, 'secret.txt'), 'TOP SECRET\n');
const misbehaving = fileURLToPath(new URL('./fixtures/misbehaving-server.mjs', import.meta.url));
const everything = [process.execPath, everythingServer, 'stdio'];
const filesystem = [process.execPath, filesystemServer, sandbox];

const gateways: HttpGateway[] = [];
const clients: Client[] = [];

async function startGateway(upstreams: WardenMcpConfigInput['upstreams'], requestTimeoutMs = 60_000) {
  const config: WardenMcpConfigInput = {
    upstreams,
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['*'],
      sessions: { everything: { tools: { deny: ['get-env', 'trigger-*'] } } },
    },
    pinning: { mode: 'off' },
    tools: { 'fs/*': { arguments: { path: { kind: 'path', roots: [docs] } } } },
    http: { port: 0 },
    limits: { requestTimeoutMs },
  };
  const gateway = await startHttpGateway({
    enforcer: createMcpEnforcer({ config, killSwitch: createStubKillSwitch() }),
    config,
  });
  gateways.push(gateway);
  return gateway;
}

async function connect(url: string, protocolVersion?: string): Promise<Client> {
  const client = new Client({ name: 'http-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  if (protocolVersion) transport.setProtocolVersion(protocolVersion);
  clients.push(client);
  return client;
}

const refusal = (call: Promise<unknown>) => call.then(() => undefined, deniedCode);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await Promise.all(gateways.map((gateway) => gateway.close()));
});

describe('HTTP gateway in front of stdio upstreams it spawns, driven by the SDK client', () => {
  let gateway: HttpGateway;
  beforeAll(async () => {
    gateway = await startGateway({ everything: { command: everything }, fs: { command: filesystem } });
  });

  it('server-everything over stdio: allowed calls return exactly what it returns directly, denied tools are absent and refused', async () => {
    const direct = await connectDirect(everything);
    clients.push(direct);
    const proxied = await connect(gateway.url);
    for (const args of [{ message: 'stdio behind http' }, { message: 'again' }])
      expect(await proxied.callTool({ name: 'echo', arguments: args })).toEqual(
        await direct.callTool({ name: 'echo', arguments: args }),
      );
    const directTools = (await direct.listTools()).tools.filter(
      (tool) => tool.name !== 'get-env' && !tool.name.startsWith('trigger-'),
    );
    expect((await proxied.listTools()).tools).toEqual(directTools);
    expect(await refusal(proxied.callTool({ name: 'get-env', arguments: {} }))).toBe('TOOL_DENIED');
  });

  it('two clients share one spawned server-everything and each gets its own answers', async () => {
    const [first, second] = await Promise.all([connect(gateway.url), connect(`${gateway.url}/everything`)]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 ? first : second).callTool({ name: 'echo', arguments: { message: `m${index}` } }),
      ),
    );
    answers.forEach((answer, index) => {
      expect(JSON.stringify(answer)).toContain(`m${index}`);
    });
  });

  it('one client cannot set the logging level of, or subscribe and unsubscribe resources in, the server every client shares (METHOD_NOT_ALLOWED); calls still run', async () => {
    const [first, second] = await Promise.all([connect(gateway.url), connect(gateway.url)]);
    expect(await refusal(first.setLoggingLevel('debug'))).toBe('METHOD_NOT_ALLOWED');
    expect(await refusal(first.subscribeResource({ uri: 'demo://resource/static/document/architecture.md' }))).toBe(
      'METHOD_NOT_ALLOWED',
    );
    expect(await refusal(second.unsubscribeResource({ uri: 'demo://resource/static/document/architecture.md' }))).toBe(
      'METHOD_NOT_ALLOWED',
    );
    expect(JSON.stringify(await second.callTool({ name: 'echo', arguments: { message: 'still' } }))).toContain('still');
  });

  it('server-filesystem over stdio at /mcp/fs: inside the root it reads, outside it is refused', async () => {
    const client = await connect(`${gateway.url}/fs`);
    const inside = await client.callTool({
      name: 'read_text_file',
      arguments: { path: path.join(docs, 'readme.txt') },
    });
    expect(JSON.stringify(inside)).toContain('public notes');
    for (const attempt of [
      path.join(docs, '..', 'secret.txt'),
      path.join(sandbox, 'secret.txt'),
      `${docs}/%2e%2e/secret.txt`,
    ])
      expect(await refusal(client.callTool({ name: 'read_text_file', arguments: { path: attempt } }))).toBe(
        'ARGUMENT_DENIED',
      );
  });

  it('a client that speaks 2025-06-18 negotiates it and calls through', async () => {
    const client = new Client({ name: 'old-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(gateway.url));
    clients.push(client);
    const original = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ('method' in message && message.method === 'initialize' && message.params)
        message.params.protocolVersion = '2025-06-18';
      return original(message, options);
    };
    await client.connect(transport);
    expect(transport.protocolVersion).toBe('2025-06-18');
    expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { message: 'old' } }))).toContain('old');
  });
});

describe('a stdio upstream that dies or hangs (attacker: a broken or hostile MCP server)', () => {
  it('a server that dies mid-call gives UPSTREAM_UNAVAILABLE, and the gateway respawns it', async () => {
    const gateway = await startGateway({ dying: { command: [process.execPath, misbehaving, 'die'] } });
    const client = await connect(gateway.url);
    const before = JSON.stringify(await client.callTool({ name: 'ok', arguments: {} }));
    expect(await refusal(client.callTool({ name: 'misbehave', arguments: {} }))).toBe('UPSTREAM_UNAVAILABLE');
    await vi.waitFor(
      async () => {
        const after = JSON.stringify(await client.callTool({ name: 'ok', arguments: {} }));
        expect(after).toContain('ok from');
        expect(after).not.toBe(before);
      },
      { timeout: 90_000, interval: 200 },
    );
  });

  it('a server that never answers gives UPSTREAM_UNAVAILABLE at the timeout and the gateway keeps serving', async () => {
    const gateway = await startGateway({ hanging: { command: [process.execPath, misbehaving, 'hang'] } }, 3_000);
    const client = await connect(gateway.url);
    expect(await refusal(client.callTool({ name: 'misbehave', arguments: {} }))).toBe('UPSTREAM_UNAVAILABLE');
    const again = await client.callTool({ name: 'ok', arguments: {} }).then(
      (result) => JSON.stringify(result),
      (error: unknown) => deniedCode(error),
    );
    // Under load the answer may itself time out; either way it is an answer, not a crash.
    expect(again === 'UPSTREAM_UNAVAILABLE' || again?.includes('ok from')).toBe(true);
  });

  it('a server that sends progress and an answer nested 30,000 deep gives UPSTREAM_UNAVAILABLE; the gateway keeps serving (it crashed)', async () => {
    const gateway = await startGateway({ deep: { command: [process.execPath, misbehaving, 'deep'] } });
    const client = await connect(gateway.url);
    const progress: unknown[] = [];
    const call = client.callTool({ name: 'misbehave', arguments: {} }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(await refusal(call)).toBe('UPSTREAM_UNAVAILABLE');
    expect(progress).toEqual([]);
    expect(JSON.stringify(await client.callTool({ name: 'ok', arguments: {} }))).toContain('ok from');
  });

  it("a client whose progress token is another's (the SDK uses its request id, so two clients collide) gets only its own progress (it got the other's)", async () => {
    const gateway = await startGateway({ progress: { command: [process.execPath, misbehaving, 'progress'] } });
    const [alice, bob] = [await connect(gateway.url), await connect(gateway.url)];
    const seen: Record<string, string[]> = { alice: [], bob: [] };
    const calls = (['alice', 'bob'] as const).map((who, index) =>
      [alice, bob][index]?.callTool({ name: 'misbehave', arguments: { who } }, undefined, {
        onprogress: (update) => seen[who]?.push(String(update.message)),
      }),
    );
    const answers = await Promise.all(calls);
    expect(answers.map((answer) => JSON.stringify(answer?.content))).toEqual([
      expect.stringContaining('done for alice'),
      expect.stringContaining('done for bob'),
    ]);
    expect(seen).toEqual({ alice: ['for alice'], bob: ['for bob'] });
  });

  it('a command that cannot start gives UPSTREAM_UNAVAILABLE', async () => {
    const gateway = await startGateway({ missing: { command: ['/nonexistent/mcp-server'] } });
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    const body = (await response.json()) as { error?: { data?: { warden?: { code?: string } } } };
    expect(body.error?.data?.warden?.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
