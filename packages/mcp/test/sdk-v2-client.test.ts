import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';
import { connectDirect, deniedCode, everythingServer, startEverythingHttp } from './helpers.js';

// The v2 client packages (`@modelcontextprotocol/client` 2.x) speak 2026-07-28 when pinned to
// it, and negotiate by `initialize` otherwise: both go through the gateway, to an HTTP upstream
// and to a stdio upstream it spawns.
let upstream: { url: string; stop: () => void };
let gateway: HttpGateway;
const clients: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  upstream = await startEverythingHttp();
  const config: WardenMcpConfigInput = {
    upstreams: { everything: { url: upstream.url }, local: { command: [process.execPath, everythingServer, 'stdio'] } },
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['*'],
      sessions: {
        everything: { tools: { deny: ['get-env', 'trigger-*'] } },
        local: { tools: { deny: ['get-env', 'trigger-*'] } },
      },
    },
    pinning: { mode: 'off' },
    http: { port: 0 },
  };
  gateway = await startHttpGateway({
    enforcer: createMcpEnforcer({ config, killSwitch: createStubKillSwitch() }),
    config,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await gateway?.close();
  upstream?.stop();
});

async function connectV2(url: string, pinned: string | undefined): Promise<ClientV2> {
  const client = new ClientV2(
    { name: 'v2-client', version: '2.4.0' },
    pinned ? { versionNegotiation: { mode: { pin: pinned } } } : {},
  );
  await client.connect(new HttpTransportV2(new URL(url)));
  clients.push(client);
  return client;
}

describe('SDK v2 client through the gateway', () => {
  it.each([
    ['negotiated by initialize', undefined, 'everything'],
    ['pinned to 2026-07-28', '2026-07-28', 'everything'],
    ['negotiated by initialize, stdio upstream', undefined, 'local'],
    ['pinned to 2026-07-28, stdio upstream', '2026-07-28', 'local'],
  ])('%s: echo matches the server called directly, a denied tool is refused', async (_name, pinned, route) => {
    const direct = await connectDirect([process.execPath, everythingServer, 'stdio']);
    clients.push(direct);
    const client = await connectV2(`${gateway.url}/${route}`, pinned);
    if (pinned) expect(client.getNegotiatedProtocolVersion()).toBe(pinned);
    const args = { message: `v2 ${pinned ?? 'legacy'}` };
    const proxied = await client.callTool({ name: 'echo', arguments: args });
    expect(proxied.content).toEqual((await direct.callTool({ name: 'echo', arguments: args })).content);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('get-env');
    const refused = await client.callTool({ name: 'get-env', arguments: {} }).then(
      () => undefined,
      (error: unknown) => deniedCode(error),
    );
    expect(refused).toBe('TOOL_DENIED');
  });
});
