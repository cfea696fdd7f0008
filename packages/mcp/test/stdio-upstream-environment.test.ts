import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { startHttpGateway } from '../src/http/http-gateway.js';
import { runStdioProxy } from '../src/stdio/stdio-proxy.js';
import { everythingServer, StreamClientTransport } from './helpers.js';

const everything = [process.execPath, everythingServer, 'stdio'];
const REDIS_URL = 'redis://:hunter2-redis-password@redis.internal:6379';
const AUDIT_KEY = '-----BEGIN PRIVATE KEY-----audit-signing-key';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The environment server-everything's `get-env` tool reports, through the wrapper. */
async function environmentSeenByUpstream(env?: Record<string, string>): Promise<string> {
  const config: WardenMcpConfigInput = {
    upstreams: { everything: { command: everything } },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
  };
  const transport = new StreamClientTransport();
  const proxy = runStdioProxy({
    enforcer: createMcpEnforcer({ config }),
    upstream: 'everything',
    command: everything,
    ...(env ? { env } : {}),
    input: transport.toProxy,
    output: transport.fromProxy,
  });
  const client = new SdkClient({ name: 'in-process', version: '1.0.0' });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: 'get-env', arguments: {} }, undefined, { timeout: 90_000 });
    return JSON.stringify(result);
  } finally {
    await client.close();
    proxy.close();
    await proxy.done;
  }
}

describe("stdio wrapper: an upstream reading Warden's own environment (attacker: the upstream, or a caller using a tool that prints it)", () => {
  it('WARDEN_MCP_REDIS_URL (with its password) and other WARDEN_… variables never reach the server; its own variables do', {
    timeout: 120_000,
  }, async () => {
    vi.stubEnv('WARDEN_MCP_REDIS_URL', REDIS_URL);
    vi.stubEnv('WARDEN_AUDIT_KEY_PEM', AUDIT_KEY);
    vi.stubEnv('warden_jit_token', 'jit-credential');
    vi.stubEnv('SERVER_SETTING', 'inherited-by-the-server');
    const seen = await environmentSeenByUpstream({ CONFIGURED_FOR_SERVER: 'configured' });
    expect(seen).not.toContain('hunter2-redis-password');
    expect(seen).not.toContain('audit-signing-key');
    expect(seen).not.toContain('jit-credential');
    expect(seen).toContain('inherited-by-the-server');
    expect(seen).toContain('configured');
  });

  it("a WARDEN_… variable the upstream's configured env names explicitly is the operator's choice and is passed", {
    timeout: 120_000,
  }, async () => {
    vi.stubEnv('WARDEN_MCP_REDIS_URL', REDIS_URL);
    const seen = await environmentSeenByUpstream({ WARDEN_SERVER_MODE: 'explicitly-given' });
    expect(seen).toContain('explicitly-given');
    expect(seen).not.toContain('hunter2-redis-password');
  });
});

describe("HTTP gateway: a stdio upstream it spawns reading Warden's own environment (attacker: the upstream)", () => {
  it('WARDEN_MCP_REDIS_URL never reaches the server; its own variables do', { timeout: 120_000 }, async () => {
    vi.stubEnv('WARDEN_MCP_REDIS_URL', REDIS_URL);
    vi.stubEnv('SERVER_SETTING', 'inherited-by-the-server');
    const config: WardenMcpConfigInput = {
      upstreams: { env: { command: everything } },
      security: { unmappedTools: 'allow', defaultAccess: ['*'] },
      pinning: { mode: 'off' },
      http: { port: 0 },
    };
    const gateway = await startHttpGateway({ enforcer: createMcpEnforcer({ config }), config });
    const client = new SdkClient({ name: 'http-client', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
      const seen = JSON.stringify(
        await client.callTool({ name: 'get-env', arguments: {} }, undefined, { timeout: 90_000 }),
      );
      expect(seen).not.toContain('hunter2-redis-password');
      expect(seen).toContain('inherited-by-the-server');
    } finally {
      await client.close().catch(() => undefined);
      await gateway.close();
    }
  });
});
