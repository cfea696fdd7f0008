import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Client as SdkClient } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createStubKillSwitch } from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { toolDefinitionDigest } from '../src/pinning/tool-definition.js';
import { runStdioProxy } from '../src/stdio/stdio-proxy.js';
import {
  connectDirect,
  connectThroughWarden,
  deniedCode,
  everythingServer,
  StreamClientTransport,
  writeConfig,
} from './helpers.js';

const everything = [process.execPath, everythingServer, 'stdio'];

const config: WardenMcpConfigInput = {
  upstreams: { everything: { command: everything } },
  security: {
    unmappedTools: 'allow',
    defaultAccess: ['*'],
    sessions: { everything: { tools: { deny: ['get-env', 'trigger-*'] } } },
  },
  pinning: { mode: 'off' },
  tools: { 'everything/get-sum': { approval: 'peer-review' } },
};

describe('stdio wrapper in front of server-everything, driven by the SDK client', () => {
  let direct: Client;
  let proxied: Client;
  beforeAll(async () => {
    direct = await connectDirect(everything);
    proxied = await connectThroughWarden(writeConfig({ ...config, tools: {} }), everything);
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('allowed calls return exactly what the server returns directly', async () => {
    for (const [name, args] of [
      ['echo', { message: 'hello through warden' }],
      ['get-sum', { a: 2, b: 40 }],
      ['get-structured-content', { location: 'New York' }],
    ] as const) {
      expect(await proxied.callTool({ name, arguments: args })).toEqual(
        await direct.callTool({ name, arguments: args }),
      );
    }
  });

  it('tools/list is the direct list without the denied tools, definitions untouched', async () => {
    const directTools = (await direct.listTools()).tools;
    const proxiedTools = (await proxied.listTools()).tools;
    expect(proxiedTools).toEqual(
      directTools.filter((tool) => tool.name !== 'get-env' && !tool.name.startsWith('trigger-')),
    );
  });

  it('a caller asking for a denied tool (get-env, which would leak the environment) is refused', async () => {
    const error = await proxied.callTool({ name: 'get-env', arguments: {} }).catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('TOOL_DENIED');
  });

  it('resources and prompts are hidden unless allowed', async () => {
    expect((await proxied.listResources()).resources).toEqual([]);
    const error = await proxied
      .readResource({ uri: 'demo://resource/static/document/architecture.md' })
      .catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('RESOURCE_DENIED');
  });

  it('a changed tool definition is hidden and held until an operator approves it', async () => {
    const tools = (await direct.listTools()).tools;
    const pins = Object.fromEntries(tools.map((tool) => [`everything/${tool.name}`, toolDefinitionDigest(tool)]));
    const echo = tools.find((tool) => tool.name === 'echo');
    pins['everything/echo'] = toolDefinitionDigest({
      ...echo,
      name: 'echo',
      description: 'what the operator approved last week',
    });
    const pinned = await connectThroughWarden(
      writeConfig({ ...config, tools: {}, pinning: { mode: 'enforce', pins } }),
      everything,
    );
    try {
      expect((await pinned.listTools()).tools.map((tool) => tool.name)).not.toContain('echo');
      const error = await pinned
        .callTool({ name: 'echo', arguments: { message: 'x' } })
        .catch((caught: unknown) => caught);
      expect(deniedCode(error)).toBe('TOOL_NOT_PINNED');
      expect(await pinned.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } })).toEqual(
        await direct.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } }),
      );
    } finally {
      await pinned.close();
    }
  });
});

async function inProcessWarden(capabilities: Record<string, unknown>, overrides: Partial<WardenMcpConfigInput> = {}) {
  const killSwitch = createStubKillSwitch();
  const enforcer = createMcpEnforcer({ config: { ...config, ...overrides }, killSwitch, approvalPollMs: 20 });
  const transport = new StreamClientTransport();
  const proxy = runStdioProxy({
    enforcer,
    upstream: 'everything',
    command: everything,
    input: transport.toProxy,
    output: transport.fromProxy,
  });
  const client = new SdkClient({ name: 'in-process', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return {
    enforcer,
    killSwitch,
    client,
    proxy,
    close: async () => {
      await client.close();
      proxy.close();
      await proxy.done;
    },
  };
}

describe('stdio wrapper: approvals and the kill switch', () => {
  it('a client without elicitation gets an error naming the approval; the identical retry runs once approved', async () => {
    const { enforcer, client, close } = await inProcessWarden({});
    try {
      const error = await client
        .callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } })
        .catch((caught: unknown) => caught);
      expect(deniedCode(error)).toBe('APPROVAL_REQUIRED');
      const approvalId = (error as { data: { warden: { approvalId: string } } }).data.warden.approvalId;
      expect(String((error as Error).message)).toContain(approvalId);
      await enforcer.approvals.approve(approvalId, 'operator');
      const result = await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
      expect(JSON.stringify(result)).toContain('42');
    } finally {
      await close();
    }
  });

  it('2025-11-25 URL-mode elicitation: the client is sent to the approval and the call completes once approved', async () => {
    const { enforcer, client, close } = await inProcessWarden({ elicitation: { url: {} } });
    const asked: Array<{ mode?: string; url?: string }> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params as { mode?: string; url?: string });
      const id = (request.params as { elicitationId: string }).elicitationId;
      setTimeout(() => void enforcer.approvals.approve(id, 'operator'), 50);
      return { action: 'accept' };
    });
    try {
      const result = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
      expect(JSON.stringify(result)).toContain('3');
      expect(asked[0]?.mode).toBe('url');
    } finally {
      await close();
    }
  });

  it('the kill switch refuses everything, including a call already waiting for approval', async () => {
    const { killSwitch, client, close } = await inProcessWarden({ elicitation: { url: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => {
      setTimeout(() => void killSwitch.activate('incident'), 50);
      return { action: 'accept' };
    });
    try {
      const waiting = await client
        .callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })
        .catch((caught: unknown) => caught);
      expect(deniedCode(waiting)).toBe('KILL_SWITCH_ACTIVE');
      const later = await client
        .callTool({ name: 'echo', arguments: { message: 'x' } })
        .catch((caught: unknown) => caught);
      expect(deniedCode(later)).toBe('KILL_SWITCH_ACTIVE');
      expect(deniedCode(await client.listTools().catch((caught: unknown) => caught))).toBe('KILL_SWITCH_ACTIVE');
    } finally {
      await close();
    }
  });
});

describe('stdio wrapper: a client flooding held calls and never answering the approval prompts', () => {
  it('the prompts Warden gave up on (approvals.ttlMs) are forgotten: entries held stay bounded', async () => {
    const { client, proxy, close } = await inProcessWarden(
      { elicitation: { url: {} } },
      { approvals: { ttlMs: 1000 } },
    );
    let prompts = 0;
    client.setRequestHandler(ElicitRequestSchema, () => {
      prompts += 1;
      return new Promise<never>(() => {});
    });
    try {
      const flood = Array.from({ length: 100 }, (_, index) =>
        client
          .callTool({ name: 'get-sum', arguments: { a: index, b: 1 } }, undefined, { timeout: 90_000 })
          .catch((caught: unknown) => deniedCode(caught)),
      );
      expect(new Set(await Promise.all(flood))).toEqual(new Set(['APPROVAL_EXPIRED']));
      expect(prompts).toBe(100);
      expect(proxy.pendingCount()).toBe(0);
    } finally {
      await close();
    }
  });
});
