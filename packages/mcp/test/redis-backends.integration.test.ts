import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore } from '@warden/approvals-redis';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { describeWithService, type RedisServerHandle, startRedisServer } from '@warden/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';
import { connectThroughWarden, deniedCode, everythingServer, writeConfig } from './helpers.js';

const everything = [process.execPath, everythingServer, 'stdio'];
const eventually = (assertion: () => Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 50 });

const config: WardenMcpConfigInput = {
  upstreams: { everything: { command: everything } },
  security: { unmappedTools: 'allow', defaultAccess: ['*'] },
  pinning: { mode: 'enforce', trustOnFirstUse: true },
  tools: { 'everything/get-sum': { approval: 'peer-review' } },
  backends: { commandTimeoutMs: 500, staleAfterMs: 1000 },
};

/** What a call ends as: `OK` or the Warden denial code. */
async function outcome(client: Client, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  try {
    await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
    return { code: 'OK' };
  } catch (error) {
    const data = (error as { data?: { warden?: { code?: string; approvalId?: string } } }).data?.warden;
    return { code: deniedCode(error) ?? String(error), approvalId: data?.approvalId };
  }
}

describeWithService(
  'redis',
  'warden-mcp on Redis backends: two processes share one state, and a dead Redis denies',
  () => {
    let server: RedisServerHandle;
    let first: Client;
    let second: Client;
    const operatorSwitch = () => createRedisKillSwitch({ url: server.url, keyPrefix: 'warden:kill-switch:' });

    let file: string;
    const connect = () => connectThroughWarden(file, everything, ['--redis-url', server.url]);

    beforeAll(async () => {
      server = await startRedisServer();
      file = writeConfig(config);
    }, 120_000);
    afterAll(async () => {
      await first?.close();
      await second?.close();
      await server?.dispose();
    });

    it('a fresh Redis holds no kill-switch state: even initialize is refused until an operator releases the switch', {
      timeout: 300_000,
    }, async () => {
      const refused = await connect().then(
        () => 'connected',
        (error: unknown) => deniedCode(error),
      );
      expect(refused).toBe('KILL_SWITCH_ACTIVE');
      const killSwitch = operatorSwitch();
      await killSwitch.deactivate({ actor: 'operator' });
      await killSwitch.close();
      first = await connect();
      second = await connect();
      await eventually(async () => expect((await outcome(first, 'echo', { message: 'x' })).code).toBe('OK'));
      await eventually(async () => expect((await outcome(second, 'echo', { message: 'x' })).code).toBe('OK'));
    });

    it('tool pins live in Redis: what the first process pinned on first use is what the second shows', async () => {
      const tools = (await first.listTools()).tools.map((tool) => tool.name);
      expect(tools).toContain('echo');
      expect((await second.listTools()).tools.map((tool) => tool.name)).toEqual(tools);
    });

    it('an approval granted once lets exactly one call through, whichever process it reaches (attacker replays it)', async () => {
      const held = await outcome(first, 'get-sum', { a: 2, b: 40 });
      expect(held.code).toBe('APPROVAL_REQUIRED');
      const store = createRedisApprovalStore({ url: server.url, keyPrefix: 'warden:approvals:' });
      await createApprovalWorkflow({ store }).approve(held.approvalId ?? '', 'operator');
      await store.close();
      const retry = { 'io.warden/approvalId': held.approvalId };
      expect((await outcome(second, 'get-sum', { a: 2, b: 40 }, retry)).code).toBe('OK');
      const replay = await outcome(first, 'get-sum', { a: 2, b: 40 }, retry);
      expect(replay.code).toBe('APPROVAL_REQUIRED');
      expect(replay.approvalId).not.toBe(held.approvalId);
    });

    it('the kill switch, flipped by an operator in another process, stops both proxies', async () => {
      const killSwitch = operatorSwitch();
      await killSwitch.activate('incident 20', { actor: 'operator' });
      await eventually(async () =>
        expect((await outcome(first, 'echo', { message: 'x' })).code).toBe('KILL_SWITCH_ACTIVE'),
      );
      await eventually(async () =>
        expect((await outcome(second, 'echo', { message: 'x' })).code).toBe('KILL_SWITCH_ACTIVE'),
      );
      await killSwitch.deactivate({ actor: 'operator' });
      await killSwitch.close();
      await eventually(async () => expect((await outcome(first, 'echo', { message: 'x' })).code).toBe('OK'));
    });

    it('Redis stopped mid-session (a fault): every call is refused by Warden and nothing hangs; restarted empty, it still denies', async () => {
      await server.kill();
      for (const client of [first, second]) {
        await eventually(async () => expect((await outcome(client, 'echo', { message: 'x' })).code).not.toBe('OK'));
        for (let call = 0; call < 20; call += 1) {
          const result = await (call % 2
            ? outcome(client, 'echo', { message: `call ${call}` })
            : outcome(client, 'get-sum', { a: 1, b: call }));
          expect(['BACKEND_UNAVAILABLE', 'KILL_SWITCH_ACTIVE']).toContain(result.code);
        }
      }
      // Once the kill switch's copy is older than staleAfterMs, it too answers "active".
      await eventually(async () =>
        expect((await outcome(first, 'echo', { message: 'x' })).code).toBe('KILL_SWITCH_ACTIVE'),
      );
      // Restarted without persistence, Redis has lost the switch's record: unknown still denies, and the proxies are alive.
      await server.restart();
      for (const client of [first, second]) {
        await eventually(async () =>
          expect((await outcome(client, 'echo', { message: 'x' })).code).toBe('KILL_SWITCH_ACTIVE'),
        );
      }
    });
  },
);
