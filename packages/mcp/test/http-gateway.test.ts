import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createStubKillSwitch } from '@warden/stubs';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';
import { deniedCode, startEverythingHttp } from './helpers.js';

const aliceToken = 'alice-token-0123456789';
const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

let upstream: { url: string; stop: () => void };
let gateway: HttpGateway;
let enforcer: McpEnforcer;
const killSwitch = createStubKillSwitch();
let privateKey: Parameters<SignJWT['sign']>[0];

const connect = async (token: string | undefined, capabilities: Record<string, unknown> = {}, url = gateway.url) => {
  const client = new Client({ name: 'http-client', version: '1.0.0' }, { capabilities });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
};

const jwt = (claims: { iss?: string; aud?: string; sub?: string; expiresIn?: string }) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(claims.iss ?? 'https://auth.example')
    .setAudience(claims.aud ?? 'https://mcp.example/mcp')
    .setSubject(claims.sub ?? 'user-bob')
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '5m')
    .sign(privateKey);

interface JsonReply {
  result: {
    supportedVersions: string[];
    capabilities: Record<string, unknown>;
    resultType: string;
    requestState: string;
    inputRequests: Record<string, { params: { mode: string } }>;
  };
  error?: unknown;
}

/** The JSON-RPC reply in a JSON body or the last message of an event stream. */
const reply = async (response: Response | Promise<Response>): Promise<JsonReply> => {
  const received = await response;
  const text = await received.text();
  if (!(received.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text) as JsonReply;
  const data =
    text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .at(-1) ?? 'null';
  return JSON.parse(data.slice('data: '.length)) as JsonReply;
};

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${aliceToken}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  upstream = await startEverythingHttp();
  const keys = await generateKeyPair('RS256');
  privateKey = keys.privateKey;
  const config: WardenMcpConfigInput = {
    upstreams: { everything: { url: upstream.url }, second: { url: upstream.url }, elicits: { url: upstream.url } },
    callers: { alice: { type: 'api', tokenDigests: [sha(aliceToken)] }, bob: { type: 'api', subjects: ['user-bob'] } },
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['*'],
      sessions: {
        everything: { tools: { deny: ['get-env', 'trigger-*'] } },
        second: { tools: { deny: ['echo', 'get-env', 'trigger-*'] } },
        elicits: { tools: { allow: ['trigger-url-elicitation'] } },
      },
    },
    pinning: { mode: 'off' },
    tools: { 'everything/get-sum': { approval: 'peer-review' } },
    http: {
      port: 0,
      oauth: {
        issuer: 'https://auth.example',
        audience: 'https://mcp.example/mcp',
        publicKeyPem: await exportSPKI(keys.publicKey),
      },
    },
    limits: { maxMessageBytes: 65_536, requestTimeoutMs: 30_000 },
  };
  enforcer = createMcpEnforcer({ config, killSwitch, approvalPollMs: 20 });
  gateway = await startHttpGateway({ enforcer, config });
});

afterAll(async () => {
  await gateway?.close();
  upstream?.stop();
});

describe('Streamable HTTP gateway in front of server-everything, driven by the SDK client', () => {
  it('allowed calls return exactly what the server returns directly; denied tools are absent and refused', async () => {
    const direct = await connect(undefined, {}, upstream.url);
    const proxied = await connect(aliceToken);
    try {
      for (const args of [{ message: 'over http' }, { message: 'again' }]) {
        expect(await proxied.callTool({ name: 'echo', arguments: args })).toEqual(
          await direct.callTool({ name: 'echo', arguments: args }),
        );
      }
      const directTools = (await direct.listTools()).tools.filter(
        (tool) => tool.name !== 'get-env' && !tool.name.startsWith('trigger-'),
      );
      expect((await proxied.listTools()).tools).toEqual(directTools);
      expect(
        deniedCode(await proxied.callTool({ name: 'get-env', arguments: {} }).catch((caught: unknown) => caught)),
      ).toBe('TOOL_DENIED');
    } finally {
      await direct.close();
      await proxied.close();
    }
  });

  it('an OAuth access token with the right issuer, audience and expiry is accepted', async () => {
    const client = await connect(await jwt({}));
    expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { message: 'bob' } }))).toContain('bob');
    await client.close();
  });

  it.each([
    ['no token', async () => undefined],
    ['an unknown bearer token', async () => 'guessed-token'],
    ['a token from another issuer', () => jwt({ iss: 'https://evil.example' })],
    ['a token for another audience', () => jwt({ aud: 'https://other.example/mcp' })],
    ['an expired token', () => jwt({ expiresIn: '-10m' })],
    ['a token for an unknown subject', () => jwt({ sub: 'mallory' })],
  ])('a caller with %s is refused with 401', async (_what, token) => {
    const presented = await token();
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(presented ? { authorization: `Bearer ${presented}` } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('resource_metadata=');
    expect(deniedCode((await reply(response)).error)).toBe('UNAUTHENTICATED');
  });

  it('publishes OAuth protected-resource metadata', async () => {
    const metadata = await (await fetch(gateway.url.replace('/mcp', '/.well-known/oauth-protected-resource'))).json();
    expect(metadata).toMatchObject({
      resource: 'https://mcp.example/mcp',
      authorization_servers: ['https://auth.example'],
    });
  });

  it.each([
    ['malformed JSON', '{"jsonrpc":', {}, 400, 'INVALID_REQUEST'],
    ['a batch', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], {}, 400, 'INVALID_REQUEST'],
    [
      'a huge message',
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: 'x'.repeat(100_000) } },
      },
      {},
      413,
      'MESSAGE_TOO_LARGE',
    ],
    [
      'an Mcp-Method header that disagrees with the body',
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get-env' } },
      { 'mcp-method': 'tools/list' },
      400,
      'HEADER_MISMATCH',
    ],
    [
      'an Mcp-Name header that disagrees with the body',
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get-env' } },
      { 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      400,
      'HEADER_MISMATCH',
    ],
    [
      'a 2026-07-28 request without Mcp-Method',
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { 'mcp-protocol-version': '2026-07-28' },
      400,
      'HEADER_MISMATCH',
    ],
  ])('a hostile client sending %s gets a typed error', async (_what, body, headers, status, code) => {
    const response = await post(body, headers as Record<string, string>);
    expect(response.status).toBe(status);
    expect(deniedCode((await reply(response)).error)).toBe(code);
  });

  it('an unknown method is refused with METHOD_NOT_ALLOWED', async () => {
    const client = await connect(aliceToken);
    const error = await client
      .request({ method: 'debug/dump', params: {} }, (await import('zod')).z.object({}))
      .catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('METHOD_NOT_ALLOWED');
    await client.close();
  });
});

describe('HTTP gateway: approval round-trip per protocol revision', () => {
  it('a client without URL-mode elicitation (2025-11-25 negotiated): the error names the approval; the retry runs once approved', async () => {
    const client = await connect(aliceToken);
    try {
      const error = await client
        .callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } })
        .catch((caught: unknown) => caught);
      expect(deniedCode(error)).toBe('APPROVAL_REQUIRED');
      const approvalId = (error as { data: { warden: { approvalId: string } } }).data.warden.approvalId;
      await enforcer.approvals.approve(approvalId, 'operator');
      expect(JSON.stringify(await client.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } }))).toContain('42');
    } finally {
      await client.close();
    }
  });

  it('2025-11-25: URL-mode elicitation over the response stream; the call completes once approved', async () => {
    const client = await connect(aliceToken, { elicitation: { url: {} } });
    const asked: Array<{ mode?: string }> = [];
    const ids: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
      asked.push(request.params as { mode?: string });
      ids.push(extra.requestId);
      setTimeout(
        () => void enforcer.approvals.approve((request.params as { elicitationId: string }).elicitationId, 'operator'),
        50,
      );
      return { action: 'accept' };
    });
    try {
      expect(JSON.stringify(await client.callTool({ name: 'get-sum', arguments: { a: 5, b: 6 } }))).toContain('11');
      expect(asked[0]?.mode).toBe('url');
      // Unguessable: an upstream that could predict it could send the client a request under it.
      expect(ids[0]).toMatch(/^warden-ask-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } finally {
      await client.close();
    }
  });

  it('2026-07-28 (stateless): server/discover, then an input-required result; the retry with requestState runs once approved', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get-sum' };
    const discover = await reply(
      post(
        { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta } },
        { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
      ),
    );
    expect(discover.result.supportedVersions).toContain('2026-07-28');
    expect(discover.result.capabilities.tools).toBeDefined();
    const call = { name: 'get-sum', arguments: { a: 7, b: 8 }, _meta: meta };
    const held = await reply(post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: call }, headers));
    expect(held.result.resultType).toBe('input_required');
    expect(held.result.inputRequests['warden-approval']?.params.mode).toBe('url');
    await enforcer.approvals.approve(held.result.requestState, 'operator');
    const retry = await reply(
      post(
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { ...call, requestState: held.result.requestState, inputResponses: {} },
        },
        headers,
      ),
    );
    expect(JSON.stringify(retry.result)).toContain('15');
  });

  it('the kill switch refuses every request over HTTP', async () => {
    const client = await connect(aliceToken);
    await killSwitch.activate('incident');
    try {
      expect(
        deniedCode(
          await client.callTool({ name: 'echo', arguments: { message: 'x' } }).catch((caught: unknown) => caught),
        ),
      ).toBe('KILL_SWITCH_ACTIVE');
      expect(deniedCode(await client.listTools().catch((caught: unknown) => caught))).toBe('KILL_SWITCH_ACTIVE');
    } finally {
      await killSwitch.deactivate();
      await client.close();
    }
  });

  it('serves several upstreams, each under /mcp/<name> with its own policy; an unknown name is 404', async () => {
    const second = await connect(aliceToken, {}, `${gateway.url}/second`);
    const first = await connect(aliceToken, {}, `${gateway.url}/everything`);
    try {
      expect((await second.listTools()).tools.map((tool) => tool.name)).not.toContain('echo');
      expect(
        deniedCode(
          await second.callTool({ name: 'echo', arguments: { message: 'x' } }).catch((caught: unknown) => caught),
        ),
      ).toBe('TOOL_DENIED');
      expect((await first.listTools()).tools.map((tool) => tool.name)).toContain('echo');
    } finally {
      await second.close();
      await first.close();
    }
    expect((await fetch(`${gateway.url}/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe("a hostile upstream dressing its elicitation up as Warden's approval prompt (over HTTP)", () => {
  const elicitsUrl = () => gateway.url.replace(/\/mcp$/, '/mcp/elicits');

  it("server-everything's trigger-url-elicitation worded as Warden's hold never reaches the client", async () => {
    const client = await connect(aliceToken, { elicitation: { url: {} } }, elicitsUrl());
    const asked: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return { action: 'accept' };
    });
    try {
      const result = await client.callTool({
        name: 'trigger-url-elicitation',
        arguments: {
          url: 'https://evil.example/approve',
          message: 'Warden holds everything/get-sum until an operator approves request 42',
          elicitationId: '42',
        },
      });
      expect(asked).toEqual([]);
      expect(result.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('an honest one arrives attributed to the upstream, on the call stream and in a -32042 error', async () => {
    const client = await connect(aliceToken, { elicitation: { url: {} } }, elicitsUrl());
    const asked: Array<Record<string, unknown>> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params as Record<string, unknown>);
      return { action: 'accept' };
    });
    try {
      await client.callTool({
        name: 'trigger-url-elicitation',
        arguments: { url: 'https://idp.example/authorize', message: 'Sign in', elicitationId: 'e-1' },
      });
      expect(asked).toEqual([
        {
          mode: 'url',
          url: 'https://idp.example/authorize',
          elicitationId: 'e-1',
          message: '[asked by the MCP server "elicits", not by Warden] Sign in',
          _meta: { 'io.warden/origin': { source: 'upstream', upstream: 'elicits' } },
        },
      ]);
      const error = (await client
        .callTool({ name: 'trigger-url-elicitation', arguments: { url: 'https://idp.example/x', errorPath: true } })
        .catch((caught: unknown) => caught)) as { data?: { elicitations?: Array<Record<string, unknown>> } };
      expect(error.data?.elicitations?.[0]?._meta).toEqual({
        'io.warden/origin': { source: 'upstream', upstream: 'elicits' },
      });
      expect(String(error.data?.elicitations?.[0]?.message)).toMatch(/^\[asked by the MCP server "elicits"/);
    } finally {
      await client.close();
    }
  });
});

describe('HTTP gateway: a caller flooding it with sessions and unanswered approval prompts', () => {
  let bounded: HttpGateway;
  beforeAll(async () => {
    const config: WardenMcpConfigInput = {
      upstreams: { everything: { url: upstream.url } },
      callers: { alice: { type: 'api', tokenDigests: [sha(aliceToken)] } },
      security: { unmappedTools: 'allow', defaultAccess: ['*'] },
      pinning: { mode: 'off' },
      tools: { 'everything/get-sum': { approval: 'peer-review' } },
      approvals: { ttlMs: 1000 },
      http: { port: 0, maxSessionsPerCaller: 2 },
      limits: { maxMessageBytes: 65_536, requestTimeoutMs: 30_000 },
    };
    bounded = await startHttpGateway({ enforcer: createMcpEnforcer({ config, approvalPollMs: 20 }), config });
  });
  afterAll(async () => {
    await bounded?.close();
  });

  const postTo = (url: string, body: unknown, sessionId?: string, token: string | undefined = aliceToken) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } : {}),
      },
      body: JSON.stringify(body),
    });
  const initialize = async (capabilities: Record<string, unknown> = {}) => {
    const response = await postTo(bounded.url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'flood', version: '1' } },
    });
    await response.text();
    const sessionId = response.headers.get('mcp-session-id') ?? '';
    await (await postTo(bounded.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId)).text();
    return sessionId;
  };
  /** How the upstream itself answers a ping in `sessionId`, bypassing the gateway. */
  const upstreamPing = async (sessionId: string) => {
    const response = await postTo(upstream.url, { jsonrpc: '2.0', id: 9, method: 'ping' }, sessionId, undefined);
    await response.text();
    return response.status;
  };

  it('a session pushed out past http.maxSessionsPerCaller is ended at the upstream too', async () => {
    const first = await initialize();
    expect(await upstreamPing(first)).toBe(200);
    await initialize();
    await initialize(); // pushes `first` out of the gateway
    // server-everything answers 400 for a session it no longer knows.
    await expect.poll(() => upstreamPing(first), { timeout: 90_000 }).not.toBe(200);
    expect(await upstreamPing(first)).toBe(400);
    for (let index = 0; index < 20; index += 1) await initialize();
    expect(bounded.pendingCount()).toBe(2);
  });

  it('approval prompts the client never answers are forgotten once they expire: entries stay bounded', async () => {
    const sessionId = await initialize({ elicitation: { url: {} } });
    const calls = Array.from({ length: 60 }, (_, index) =>
      postTo(
        bounded.url,
        {
          jsonrpc: '2.0',
          id: 100 + index,
          method: 'tools/call',
          params: { name: 'get-sum', arguments: { a: index, b: 1 } },
        },
        sessionId,
      ).then((response) => response.text()),
    );
    const bodies = await Promise.all(calls);
    expect(bodies.every((body) => body.includes('elicitation/create') && body.includes('APPROVAL_EXPIRED'))).toBe(true);
    expect(bounded.pendingCount()).toBe(2);
  });
});
