import { createApprovalWorkflow, createMemoryApprovalStore } from '@warden/approvals';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import type { WardenMcpConfigInput } from '../config/config-schema.js';
import { createMcpEnforcer } from './enforcer.js';

const config: WardenMcpConfigInput = {
  upstreams: { fs: { command: ['server'] } },
  callers: {
    alice: { type: 'api', trustLevel: 'trusted' },
    mallory: { type: 'api', trustLevel: 'semi-trusted' },
  },
  security: { unmappedTools: 'allow', defaultAccess: ['trust:trusted'] },
  pinning: { mode: 'off' },
};

function setup() {
  const killSwitch = createStubKillSwitch();
  const enforcer = createMcpEnforcer({ config, killSwitch });
  return { enforcer, killSwitch };
}

describe('a hostile client sending notifications and answers', () => {
  it('allowNotification(method) refuses a tools/call sent without an id (a JSON-RPC server would still run it)', async () => {
    const { enforcer } = setup();
    const denied: unknown[] = [];
    enforcer.events.on('security', (event) => denied.push(event.details));
    const session = enforcer.openSession({ caller: 'alice', upstream: 'fs' });
    for (const method of ['tools/call', 'resources/read', 'prompts/get', 'initialize', 'notificationsX'])
      expect(await session.allowNotification(method)).toBe(false);
    expect(denied[0]).toMatchObject({ mcp: 'denied', method: 'tools/call', code: 'METHOD_NOT_ALLOWED' });
    for (const method of ['notifications/initialized', 'notifications/cancelled', 'notifications/progress'])
      expect(await session.allowNotification(method)).toBe(true);
  });

  it('allowNotification(method) and reachRefusal() refuse a caller who may not reach the upstream', async () => {
    const { enforcer } = setup();
    const session = enforcer.openSession({ caller: 'mallory', upstream: 'fs' });
    expect(await session.allowNotification('notifications/cancelled')).toBe(false);
    expect(await session.reachRefusal()).toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await enforcer.openSession({ caller: 'alice', upstream: 'fs' }).reachRefusal()).toBeUndefined();
  });

  it('reachRefusal() is KILL_SWITCH_ACTIVE while the switch is on, BACKEND_UNAVAILABLE when it cannot answer', async () => {
    const { enforcer, killSwitch } = setup();
    const session = enforcer.openSession({ caller: 'alice', upstream: 'fs' });
    await killSwitch.activate('incident');
    expect(await session.reachRefusal()).toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
    const broken = createMcpEnforcer({
      config,
      killSwitch: { ...createStubKillSwitch(), isActive: () => Promise.reject(new Error('redis down')) },
    });
    expect(await broken.openSession({ caller: 'alice', upstream: 'fs' }).reachRefusal()).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
  });
});

describe('a hostile client reading resources', () => {
  const resourceConfig: WardenMcpConfigInput = {
    ...config,
    resources: { allow: ['file:///docs/*'], deny: ['file:///docs/private/*'] },
  };
  const upstream = async () => ({ result: { contents: [] } });
  const read = (uri: string) =>
    createMcpEnforcer({ config: resourceConfig })
      .openSession({ caller: 'alice', upstream: 'fs' })
      .handleRequest('resources/read', { uri }, upstream);
  const code = (outcome: Awaited<ReturnType<typeof read>>) =>
    'error' in outcome ? (outcome.error.data as { warden: { code: string } }).warden.code : 'OK';

  it.each([
    ['percent-encoded slashes out of the allowed tree', 'file:///docs/..%2F..%2Fetc%2Fpasswd'],
    ['double-encoded slashes', 'file:///docs/..%252F..%252Fetc%252Fpasswd'],
    ['percent-encoded slashes into a denied subtree', 'file:///docs/public%2F..%2Fprivate%2Fkey'],
    ['malformed percent-encoding', 'file:///docs/%E0%A4%A'],
  ])('resources/read with %s is RESOURCE_DENIED', async (_what, uri) => {
    expect(code(await read(uri))).toBe('RESOURCE_DENIED');
  });

  it('resources/read of an allowed URI with encoded characters is allowed', async () => {
    expect(code(await read('file:///docs/a%20b.txt'))).toBe('OK');
  });
});

describe('a hostile client relying on a broad rule that turns the schema check off', () => {
  it('tools/call is SCHEMA_MISMATCH when a matching rule asks for the schema check, whatever a broader rule says', async () => {
    const strict: WardenMcpConfigInput = {
      ...config,
      tools: { 'fs/*': { matchInputSchema: false }, 'fs/write_file': { matchInputSchema: true } },
    };
    const tool = {
      name: 'write_file',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } }, additionalProperties: false },
    };
    const upstream = async (method: string) =>
      method === 'tools/list' ? { result: { tools: [tool] } } : { result: { content: [] } };
    const session = createMcpEnforcer({ config: strict }).openSession({ caller: 'alice', upstream: 'fs' });
    const outcome = await session.handleRequest(
      'tools/call',
      { name: 'write_file', arguments: { path: '/tmp/x', mode: 'overwrite-everything' } },
      upstream,
    );
    expect('error' in outcome && (outcome.error.data as { warden: { code: string } }).warden.code).toBe(
      'SCHEMA_MISMATCH',
    );
  });
});

describe('a hostile client keeping an approval for later', () => {
  it('an approval granted longer ago than approvals.ttlMs no longer lets its call through', async () => {
    const held: WardenMcpConfigInput = { ...config, tools: { 'fs/deploy': { approval: 'peer-review' } } };
    // The approval workflow's clock runs two hours behind: the operator approved two hours ago.
    const approvals = createApprovalWorkflow({ now: () => Date.now() - 2 * 3_600_000 });
    const enforcer = createMcpEnforcer({ config: held, approvals });
    const session = enforcer.openSession({ caller: 'alice', upstream: 'fs' });
    const tool = { name: 'deploy', inputSchema: { type: 'object' } };
    const calls: string[] = [];
    const upstream = async (method: string) => {
      calls.push(method);
      return method === 'tools/list' ? { result: { tools: [tool] } } : { result: { content: [] } };
    };
    const deploy = { name: 'deploy', arguments: { env: 'prod' } };
    const first = await session.handleRequest('tools/call', deploy, upstream);
    const approvalId = (first as { error: { data: { warden: { approvalId: string } } } }).error.data.warden.approvalId;
    await approvals.approve(approvalId, 'operator');
    const code = (outcome: Awaited<ReturnType<typeof session.handleRequest>>) =>
      'error' in outcome ? (outcome.error.data as { warden: { code: string } }).warden.code : 'OK';
    const echoed = { ...deploy, _meta: { 'io.warden/approvalId': approvalId } };
    expect(code(await session.handleRequest('tools/call', echoed, upstream))).toBe('APPROVAL_EXPIRED');
    expect(code(await session.handleRequest('tools/call', deploy, upstream))).toBe('APPROVAL_REQUIRED');
    expect(calls).not.toContain('tools/call');
  });
});

describe('a clock elsewhere running ahead, stretching the approval window', () => {
  const held: WardenMcpConfigInput = {
    ...config,
    tools: { 'fs/deploy': { approval: 'peer-review' } },
    approvals: { ttlMs: 60_000 },
  };
  const tool = { name: 'deploy', inputSchema: { type: 'object' } };
  const deploy = { name: 'deploy', arguments: { env: 'prod' } };
  const code = (outcome: { error: { data?: unknown } } | { result: unknown }) =>
    'error' in outcome ? (outcome.error.data as { warden: { code: string } }).warden.code : 'OK';

  /** Replicas share one store; the operator's workflow runs on a clock `aheadMs` ahead of ours. */
  function replicas(aheadMs: number) {
    const store = createMemoryApprovalStore();
    const tiers = { 'peer-review': { ttl: '1h' } };
    const approvals = createApprovalWorkflow({ store, tiers });
    const operator = createApprovalWorkflow({ store, tiers, now: () => Date.now() + aheadMs });
    let monotonic = 0;
    const calls: string[] = [];
    const upstream = async (method: string) => {
      calls.push(method);
      return method === 'tools/list' ? { result: { tools: [tool] } } : { result: { content: [] } };
    };
    const replica = () =>
      createMcpEnforcer({ config: held, approvals, now: () => monotonic }).openSession({
        caller: 'alice',
        upstream: 'fs',
      });
    return { operator, calls, upstream, replica, advance: (ms: number) => (monotonic += ms) };
  }

  it('an approval decided "30 minutes from now" (a clock ahead) is refused, not usable for 30 minutes more', async () => {
    const { operator, calls, upstream, replica } = replicas(30 * 60_000);
    const session = replica();
    const first = await session.handleRequest('tools/call', deploy, upstream);
    const approvalId = (first as { error: { data: { warden: { approvalId: string } } } }).error.data.warden.approvalId;
    await operator.approve(approvalId, 'operator');
    const echoed = { ...deploy, _meta: { 'io.warden/approvalId': approvalId } };
    expect(code(await replica().handleRequest('tools/call', echoed, upstream))).toBe('APPROVAL_EXPIRED');
    expect(code(await session.handleRequest('tools/call', echoed, upstream))).toBe('APPROVAL_EXPIRED');
    expect(calls).not.toContain('tools/call');
  });

  it("on this process's monotonic clock the approval ends the pending lifetime plus ttlMs after it was requested here, whatever the wall clocks say", async () => {
    // Within the skew tolerance, so the recorded decision time alone looks fresh.
    const { operator, calls, upstream, replica, advance } = replicas(3000);
    const session = replica();
    const first = await session.handleRequest('tools/call', deploy, upstream);
    const approvalId = (first as { error: { data: { warden: { approvalId: string } } } }).error.data.warden.approvalId;
    await operator.approve(approvalId, 'operator');
    advance(3_600_000 + 60_000 + 1);
    const echoed = { ...deploy, _meta: { 'io.warden/approvalId': approvalId } };
    expect(code(await session.handleRequest('tools/call', echoed, upstream))).toBe('APPROVAL_EXPIRED');
    expect(calls).not.toContain('tools/call');
  });

  it('clocks that agree: the approved retry runs once, inside the window', async () => {
    const { operator, calls, upstream, replica, advance } = replicas(0);
    const session = replica();
    const first = await session.handleRequest('tools/call', deploy, upstream);
    const approvalId = (first as { error: { data: { warden: { approvalId: string } } } }).error.data.warden.approvalId;
    await operator.approve(approvalId, 'operator');
    advance(30_000);
    const echoed = { ...deploy, _meta: { 'io.warden/approvalId': approvalId } };
    expect(code(await session.handleRequest('tools/call', echoed, upstream))).toBe('OK');
    expect(calls).toContain('tools/call');
  });
});

describe('a hostile client hiding an argument behind __proto__', () => {
  it('tools/call with a __proto__ key anywhere in its arguments is ARGUMENT_DENIED', async () => {
    const confined: WardenMcpConfigInput = {
      ...config,
      tools: { 'fs/read_file': { arguments: { path: { kind: 'path', roots: ['/srv/docs'] } } } },
    };
    const tool = { name: 'read_file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };
    const calls: unknown[] = [];
    const upstream = async (method: string, params: unknown) => {
      if (method === 'tools/call') calls.push(params);
      return method === 'tools/list' ? { result: { tools: [tool] } } : { result: { content: [] } };
    };
    const session = createMcpEnforcer({ config: confined }).openSession({ caller: 'alice', upstream: 'fs' });
    // What arrives on the wire: JSON.parse makes __proto__ an own key that hides `path` from the rule.
    const params = JSON.parse('{"name":"read_file","arguments":{"__proto__":{"path":"/etc/passwd"}}}');
    // A server copying its arguments over defaults reads `path` through the prototype.
    expect(Object.assign({}, params.arguments).path).toBe('/etc/passwd');
    const outcome = await session.handleRequest('tools/call', params, upstream);
    expect('error' in outcome && (outcome.error.data as { warden: { code: string } }).warden.code).toBe(
      'ARGUMENT_DENIED',
    );
    expect(calls).toEqual([]);
  });

  it('tools/call with the whole arguments object behind a __proto__ key of its params is ARGUMENT_DENIED (it passed with none checked)', async () => {
    const confined: WardenMcpConfigInput = {
      ...config,
      tools: { 'fs/read_file': { arguments: { path: { kind: 'path', roots: ['/srv/docs'] } } } },
    };
    const tool = { name: 'read_file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };
    const calls: unknown[] = [];
    const upstream = async (method: string, params: unknown) => {
      if (method === 'tools/call') calls.push(params);
      return method === 'tools/list' ? { result: { tools: [tool] } } : { result: { content: [] } };
    };
    const session = createMcpEnforcer({ config: confined }).openSession({ caller: 'alice', upstream: 'fs' });
    const params = JSON.parse('{"name":"read_file","__proto__":{"arguments":{"path":"/etc/passwd"}}}');
    // A server copying the request's params (Object.assign) reads `arguments` through the prototype.
    expect(Object.assign({}, params).arguments).toEqual({ path: '/etc/passwd' });
    const outcome = await session.handleRequest('tools/call', params, upstream);
    expect('error' in outcome && (outcome.error.data as { warden: { code: string } }).warden.code).toBe(
      'ARGUMENT_DENIED',
    );
    expect(calls).toEqual([]);
  });
});

describe('a hostile client renaming an argument a rule covers (a lenient server folds names)', () => {
  const ruleConfig: WardenMcpConfigInput = {
    upstreams: { fs: { command: ['server'] } },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
    tools: {
      'fs/*': {
        matchInputSchema: false,
        arguments: {
          recursive: { kind: 'forbidden' },
          path: { kind: 'path', roots: ['/srv/docs'] },
          'options.mode': { kind: 'enum', values: ['read'] },
          'targets.*.path': { kind: 'path', roots: ['/srv/docs'] },
        },
      },
    },
  };
  const tools = [{ name: 'copy', inputSchema: { type: 'object' } }];
  const forwarded: unknown[] = [];
  const upstream = async (method: string, params: unknown) => {
    if (method === 'tools/list') return { result: { tools } };
    forwarded.push(params);
    return { result: { content: [] } };
  };
  const call = (args: Record<string, unknown>) =>
    createMcpEnforcer({ config: ruleConfig })
      .openSession({ upstream: 'fs' })
      .handleRequest('tools/call', { name: 'copy', arguments: args }, upstream);
  const code = (outcome: Awaited<ReturnType<typeof call>>) =>
    'error' in outcome ? (outcome.error.data as { warden: { code: string } }).warden.code : 'forwarded';

  it('a rule on a name covers its case, fullwidth, long-s and zero-width variants, at every depth', async () => {
    for (const args of [
      { Recursive: true },
      { RECURSIVE: true },
      { ＲＥＣＵＲＳＩＶＥ: true },
      { recurſive: true },
      { 'recur\u00adsive': true },
      { PATH: '/etc/passwd' },
      { Ｐath: '/etc/passwd' },
      { Options: { MODE: 'write' } },
      { options: { ｍｏｄｅ: 'write' } },
      { TARGETS: [{ Path: '/etc/shadow' }] },
    ])
      expect([args, code(await call(args))]).toEqual([args, 'ARGUMENT_DENIED']);
    expect(forwarded).toEqual([]);
  });

  it('two keys of one object that fold to the same name are refused, at any depth', async () => {
    for (const args of [
      { path: '/srv/docs/a', Path: '/etc/passwd' },
      { options: { mode: 'read', Mode: 'write' } },
      { targets: [{ path: '/srv/docs/a', PATH: '/etc/shadow' }] },
      { other: { deep: [{ x: 1, X: 2 }] } },
    ])
      expect([args, code(await call(args))]).toEqual([args, 'ARGUMENT_DENIED']);
    expect(forwarded).toEqual([]);
  });

  it('arguments that keep to the rules still pass', async () => {
    const args = { path: '/srv/docs/a', options: { mode: 'read' }, targets: [{ path: '/srv/docs/b' }], Other: 1 };
    expect(code(await call(args))).toBe('forwarded');
  });
});

describe('a hostile client quoting a megabyte into every denial (attacker: the caller, against the audit sink)', () => {
  const ruleConfig: WardenMcpConfigInput = {
    upstreams: { fs: { command: ['server'] } },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
    tools: {
      'fs/copy': { matchInputSchema: false, arguments: { 'targets.*': { kind: 'path', roots: ['/srv/docs'] } } },
      'fs/fetch': { arguments: { url: { kind: 'url', hosts: ['api.example.com'] } } },
    },
  };
  const tools = [
    { name: 'copy', inputSchema: { type: 'object' } },
    { name: 'fetch', inputSchema: { type: 'object', additionalProperties: { type: 'string' } } },
  ];
  const upstream = async (method: string) =>
    method === 'tools/list' ? { result: { tools } } : { result: { content: [] } };
  const huge = `${'k'.repeat(500_000)}😀${'k'.repeat(500_000)}`;

  it('ARGUMENT_DENIED and SCHEMA_MISMATCH quoting a key or host of a megabyte: the reason sent and recorded stays bounded', async () => {
    const enforcer = createMcpEnforcer({ config: ruleConfig });
    const recorded: string[] = [];
    enforcer.events.on('security', (event) => recorded.push(String(event.details.reason ?? '')));
    const session = enforcer.openSession({ upstream: 'fs' });
    const calls = [
      { name: 'copy', arguments: { targets: { [huge]: '/etc/passwd' } } },
      { name: 'fetch', arguments: { url: `https://${'a'.repeat(1_000_000)}.example.net/` } },
      { name: 'fetch', arguments: { url: 'https://api.example.com/', [huge]: 42 } },
    ];
    const codes: string[] = [];
    for (const params of calls) {
      const outcome = await session.handleRequest('tools/call', params, upstream);
      if (!('error' in outcome)) throw new Error('the call was forwarded');
      const denial = (outcome.error.data as { warden: { code: string; reason: string } }).warden;
      codes.push(denial.code);
      expect(denial.reason.length).toBeLessThanOrEqual(1024);
      expect(outcome.error.message.length).toBeLessThanOrEqual(1200);
      expect(denial.reason.endsWith('…')).toBe(true);
    }
    expect(codes).toEqual(['ARGUMENT_DENIED', 'ARGUMENT_DENIED', 'SCHEMA_MISMATCH']);
    expect(recorded.filter((reason) => reason !== '')).toHaveLength(3);
    for (const reason of recorded) expect(reason.length).toBeLessThanOrEqual(1024);
  });
});
