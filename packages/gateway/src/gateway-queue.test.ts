import { createInjectionSource, type SecurityConfigInput } from '@warden/core';
import { describe, expect, it, vi } from 'vitest';
import { createGatewayFixture, TEST_CONFIG, WORKFLOWS } from '../test/gateway-fixture.js';
import type { GatewayQueueLimits } from './gateway-types.js';

/** The approval gateways without delivery rate limits, so that the queue's own bounds bind. */
const UNLIMITED: SecurityConfigInput = {
  sessions: {
    ...TEST_CONFIG.sessions,
    'approval-gateway': {
      access: ['type:p2p', 'type:p2p-discovery'],
      capabilities: ['inject', 'cross.inject'],
      gateway: { allowForwardTo: ['code-assistant'], requireApproval: true },
    },
    'second-gateway': {
      access: ['type:p2p', 'type:p2p-discovery'],
      capabilities: ['inject', 'cross.inject'],
      gateway: { allowForwardTo: ['code-assistant'], requireApproval: true },
    },
    'code-assistant': { access: ['session:approval-gateway', 'session:second-gateway'] },
  },
};

/** A discovered peer with a self-made key: a new source for free. */
const peer = (index: number) =>
  createInjectionSource('p2p-discovery', { identity: { publicKey: `self-made-${index}` } });

describe.each(WORKFLOWS)('the approval queue bounds over the %s, against peers with self-made keys', (_name, make) => {
  const setup = (queue: GatewayQueueLimits) => createGatewayFixture(make(), { queue }, UNLIMITED);
  const send = (fixture: ReturnType<typeof setup>, from: number, gateway = 'approval-gateway', message = 'hi') =>
    fixture.gateway.forwardRequest(gateway, 'code-assistant', message, peer(from));

  it('refuses a source over maxPendingPerSource with QUOTA_EXCEEDED, evicting nothing', async () => {
    const fixture = setup({ maxPendingPerSource: 2, perSourcePerMinute: 100 });
    const accepted = [await send(fixture, 1), await send(fixture, 1)];
    expect(accepted.every((result) => result.requiresApproval)).toBe(true);
    expect(await send(fixture, 1)).toMatchObject({ success: false, code: 'QUOTA_EXCEEDED' });
    expect((await fixture.gateway.getPendingRequests()).map((request) => request.id)).toEqual(
      accepted.map((result) => result.requestId),
    );
    expect((await send(fixture, 2)).requiresApproval).toBe(true);
    expect(fixture.events).toContainEqual(
      expect.objectContaining({
        type: 'gateway_blocked',
        details: expect.objectContaining({ code: 'QUOTA_EXCEEDED' }),
      }),
    );
  });

  it('a peer whose self-made keys read as a victim’s public key once shown (control characters, the same first 200 characters) fills neither its queue nor its rate', async () => {
    const victimKey = `-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'v'.repeat(400)}`;
    const lookalikes = [
      `${victimKey.slice(0, 10)}\u0007${victimKey.slice(10)}`,
      `${victimKey.slice(0, 196)}attacker`,
      `${victimKey}\u202e`,
    ];
    const from = (publicKey: string) => createInjectionSource('p2p-discovery', { identity: { publicKey } });
    const sendFrom = (fixture: ReturnType<typeof setup>, publicKey: string) =>
      fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', from(publicKey));
    const queueFixture = setup({ maxPendingPerSource: 2, perSourcePerMinute: 100 });
    for (const key of lookalikes) expect((await sendFrom(queueFixture, key)).requiresApproval).toBe(true);
    expect((await sendFrom(queueFixture, victimKey)).requiresApproval).toBe(true);
    const rateFixture = setup({ maxPendingPerSource: 100, perSourcePerMinute: 2 });
    for (const key of lookalikes) expect((await sendFrom(rateFixture, key)).requiresApproval).toBe(true);
    expect((await sendFrom(rateFixture, victimKey)).requiresApproval).toBe(true);
    // Each lookalike is still a source of its own, bounded as one.
    const [first] = lookalikes as [string];
    expect((await sendFrom(queueFixture, first)).requiresApproval).toBe(true);
    expect(await sendFrom(queueFixture, first)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
  });

  it('refuses a gateway over maxPendingPerGateway, while another gateway still queues', async () => {
    const fixture = setup({ maxPendingPerGateway: 3 });
    for (let index = 0; index < 3; index++) expect((await send(fixture, index)).requiresApproval).toBe(true);
    expect(await send(fixture, 9)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect((await send(fixture, 9, 'second-gateway')).requiresApproval).toBe(true);
  });

  it('holds at most maxPending requests from a flood of 300 keys, and operators can still page, approve and reject', async () => {
    const fixture = setup({ maxPending: 50, maxPendingPerGateway: 50 });
    const outcomes = [];
    for (let index = 0; index < 300; index++) outcomes.push(await send(fixture, index));
    expect(outcomes.filter((result) => result.requiresApproval)).toHaveLength(50);
    expect(outcomes.filter((result) => result.code === 'QUOTA_EXCEEDED')).toHaveLength(250);
    expect(await fixture.gateway.getPendingRequests()).toHaveLength(50);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await fixture.gateway.listPendingRequests({ limit: 20, ...(cursor ? { cursor } : {}) });
      expect(page.requests.length).toBeLessThanOrEqual(20);
      seen.push(...page.requests.map((request) => request.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    // Every queued request exactly once across the pages.
    const queued = outcomes.filter((result) => result.requiresApproval).map((result) => result.requestId);
    expect([...seen].sort()).toEqual([...queued].sort());
    const [first, second] = seen as [string, string];
    expect((await fixture.gateway.approveAndExecute(first, 'operator')).success).toBe(true);
    expect(await fixture.gateway.rejectRequest(second, 'operator', 'flood')).toMatchObject({ status: 'rejected' });
    expect((await send(fixture, 1_000)).requiresApproval).toBe(true);
  });

  it('refuses a message over maxMessageBytes (counted in UTF-8 bytes) with QUOTA_EXCEEDED', async () => {
    const fixture = setup({ maxMessageBytes: 10 });
    expect(await send(fixture, 1, 'approval-gateway', 'é'.repeat(6))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect((await send(fixture, 1, 'approval-gateway', 'é'.repeat(5))).requiresApproval).toBe(true);
    await expect(
      fixture.gateway.queueForApproval({
        gatewaySession: 'approval-gateway',
        targetSession: 'code-assistant',
        message: 'x'.repeat(11),
        originalSource: peer(2),
      }),
    ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
  });

  it('counts perSourcePerMinute when requests are queued: RATE_LIMITED, then allowed in the next window', async () => {
    const fixture = setup({ perSourcePerMinute: 2 });
    await send(fixture, 1);
    await send(fixture, 1);
    expect(await send(fixture, 1)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await fixture.gateway.getPendingRequests()).toHaveLength(2);
    fixture.advance(60_000);
    expect((await send(fixture, 1)).requiresApproval).toBe(true);
  });

  it('counts concurrent requests one at a time: a burst never passes the bound', async () => {
    const fixture = setup({ maxPending: 5, maxPendingPerGateway: 5 });
    const burst = await Promise.all(Array.from({ length: 40 }, (_, index) => send(fixture, index)));
    expect(burst.filter((result) => result.requiresApproval)).toHaveLength(5);
    expect(await fixture.gateway.getPendingRequests()).toHaveLength(5);
  });

  it('reads the whole queue once for a flood of new keys, not once per request, and again after a decision', async () => {
    const workflow = make();
    let wholeQueueReads = 0;
    const counted = new Proxy(workflow, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (key === 'listPending') {
          return (filter?: { requester?: string }) => {
            if (filter?.requester === undefined) wholeQueueReads++;
            return target.listPending(filter);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // Time stands still, so that a slow machine cannot end the reuse in the middle.
    vi.spyOn(performance, 'now').mockReturnValue(1_000);
    try {
      const fixture = createGatewayFixture(counted, { queue: { maxPending: 30, maxPendingPerGateway: 30 } }, UNLIMITED);
      const outcomes = [];
      for (let index = 0; index < 200; index++) outcomes.push(await send(fixture, index));
      expect(outcomes.filter((result) => result.requiresApproval)).toHaveLength(30);
      expect(outcomes.filter((result) => result.code === 'QUOTA_EXCEEDED')).toHaveLength(170);
      expect(wholeQueueReads).toBe(1);
      // A request leaves the queue through the gateway: the next one is counted afresh and fits.
      const [first] = await fixture.gateway.getPendingRequests();
      await fixture.gateway.rejectRequest(first?.id ?? '', 'operator', 'flood');
      const before = wholeQueueReads;
      expect((await send(fixture, 1_000)).requiresApproval).toBe(true);
      expect(wholeQueueReads).toBe(before + 1);
      expect(await send(fixture, 1_001)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
      // The gateway's clock moving on (requests may have expired) counts afresh too.
      fixture.advance(60_000);
      await send(fixture, 1_002);
      expect(wholeQueueReads).toBe(before + 2);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

/** The approval gateway with a rate of `perMinute` requests a minute, counted at enqueue and at delivery. */
const ratedAt = (perMinute: number): SecurityConfigInput => ({
  sessions: {
    ...UNLIMITED.sessions,
    'approval-gateway': {
      access: ['type:p2p', 'type:p2p-discovery'],
      capabilities: ['inject', 'cross.inject'],
      gateway: { allowForwardTo: ['code-assistant'], requireApproval: true, rateLimit: { perMinute } },
    },
  },
});

/** The approval gateway with a rate of 3 requests a minute. */
const RATED = ratedAt(3);

describe.each(WORKFLOWS)(
  'the gateway rate at enqueue over the %s, against one key whose own queue is full',
  (_name, make) => {
    it('forwardRequest(...) refused for the sender’s full queue (QUOTA_EXCEEDED) counts nothing against the gateway’s rate: another peer still queues', async () => {
      const fixture = createGatewayFixture(
        make(),
        { queue: { maxPendingPerSource: 1, perSourcePerMinute: 100 } },
        RATED,
      );
      const send = (from: number) =>
        fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', peer(from));
      expect((await send(1)).requiresApproval).toBe(true);
      // The same key keeps sending: every request is refused, and none may use up the gateway's 3 a minute.
      for (let attempt = 0; attempt < 5; attempt++) expect(await send(1)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
      expect((await send(2)).requiresApproval).toBe(true);
      expect((await send(3)).requiresApproval).toBe(true);
      expect(await send(4)).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await fixture.gateway.getPendingRequests()).toHaveLength(3);
    });
  },
);

describe('listPendingRequests(query)', () => {
  it('refuses a forged cursor and a limit out of range with INVALID_INPUT', async () => {
    const fixture = createGatewayFixture(WORKFLOWS[1]?.[1](), {}, UNLIMITED);
    await expect(fixture.gateway.listPendingRequests({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(fixture.gateway.listPendingRequests({ limit: 501 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fixture.gateway.listPendingRequests()).toEqual({ requests: [] });
  });

  it.each([
    null,
    'page 2',
    { gatewaySession: 5 },
    { gatewaySession: null },
    { cursor: 5 },
    { limit: '5' },
    { limit: null },
    { cursor: null },
    { offset: 10 },
  ])(
    'refuses a query that is not one (%j) with INVALID_INPUT, never a TypeError or a silent full listing',
    async (query) => {
      const fixture = createGatewayFixture(WORKFLOWS[1]?.[1](), {}, UNLIMITED);
      await expect(fixture.gateway.listPendingRequests(query as never)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    },
  );

  it('refuses queue settings that are not positive whole numbers, naming the field', () => {
    expect(() => createGatewayFixture(undefined, { queue: { maxPending: 0 } })).toThrow(/queue\.maxPending/);
  });
});

describe('a flood of self-made keys that fills the in-memory rate limiter (attacker: a peer minting keys)', () => {
  it('leaves the gateway its own windows: after 100,000 new sources, the operator still delivers', async () => {
    const fixture = createGatewayFixture(WORKFLOWS[1]?.[1](), { queue: { maxPending: 1 } }, ratedAt(1_000));
    const queued = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', peer(0));
    expect(queued.requiresApproval).toBe(true);
    // Each new key opens a window of its own (per-source enqueue rate) before any refusal.
    for (let index = 1; index <= 100_000; index++) {
      const refused = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', peer(index));
      expect(refused.success).toBe(false);
    }
    const delivered = await fixture.gateway.approveAndExecute(queued.requestId as string, 'operator');
    expect(delivered).toMatchObject({ success: true });
  }, 300_000);
});
