import { createApprovalWorkflow, createMemoryApprovalStore } from '@warden/approvals';
import {
  AccessDeniedError,
  type ApprovalWorkflow,
  CapabilityUnsupportedError,
  createInjectionSource,
  type RateLimiter,
} from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture, TEST_CONFIG, WORKFLOWS } from '../test/gateway-fixture.js';
import type { ForwardResult } from './gateway-types.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });
const REQUESTER = 'p2p:MCowPeer';

/** TEST_CONFIG plus a gateway without `cross.inject` and a target behind `code-*` that admits nobody. */
const CONFIG_WITH_EDGE_CASES = {
  sessions: {
    ...TEST_CONFIG.sessions,
    'bare-gateway': {
      access: ['type:p2p'],
      capabilities: ['inject'],
      gateway: { allowForwardTo: ['code-assistant'] },
    },
    'code-private': { access: [] },
  },
};

function refused(result: ForwardResult | null) {
  expect(result).toMatchObject({ success: false, error: expect.any(String) });
  expect(result?.requiresApproval).toBeUndefined();
  return result?.code;
}

const failingRateLimiter: RateLimiter = {
  specificationVersion: 'rate-limiter-v1',
  providerId: 'broken',
  consume: async () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')),
};

describe('forwardRequest(...) refusals carry a stable code', () => {
  it.each([
    ['the session is not a gateway', 'code-assistant', 'code-review', {}, 'is not a gateway'],
    ['the target is outside allowForwardTo', 'p2p-gateway', 'vault', {}, 'may not forward to vault'],
    ['the gateway is asked to forward to itself', 'p2p-gateway', 'p2p-gateway', {}, 'may not forward to p2p-gateway'],
    ['no action type is given to a gateway with allowActions', 'action-gateway', 'code-assistant', {}, 'none given'],
    [
      'the action type is not in allowActions',
      'action-gateway',
      'code-assistant',
      { actionType: 'exec' },
      'does not forward action type exec',
    ],
    ['the sender lacks cross.inject in the gateway', 'bare-gateway', 'code-assistant', {}, 'cross.inject'],
    ['the target does not admit the forwarded source', 'p2p-gateway', 'code-private', {}, 'session code-private'],
  ])('ACCESS_DENIED when %s', async (_case, gatewaySession, target, options, reason) => {
    const { gateway, injected, events } = createGatewayFixture(undefined, {}, CONFIG_WITH_EDGE_CASES);
    const result = await gateway.forwardRequest(gatewaySession, target, 'x', peer, options);
    expect(refused(result)).toBe('ACCESS_DENIED');
    expect(result.error).toContain(reason);
    expect(injected).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'gateway_blocked', details: { code: 'ACCESS_DENIED' } });
  });

  it('ACCESS_DENIED when the sender may not reach the gateway session', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const plugin = createInjectionSource('plugin', { identity: { pluginName: 'weather' } });
    expect(refused(await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', plugin))).toBe('ACCESS_DENIED');
  });

  it('KILL_SWITCH_ACTIVE while the kill switch is active, and when it cannot be read', async () => {
    const { gateway, killSwitch, events } = createGatewayFixture(undefined);
    await killSwitch.activate('incident');
    expect(refused(await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer))).toBe(
      'KILL_SWITCH_ACTIVE',
    );
    expect(events.at(-1)).toMatchObject({ type: 'gateway_blocked', details: { code: 'KILL_SWITCH_ACTIVE' } });
    const broken = { ...createStubKillSwitch(), isActive: async () => Promise.reject(new Error('redis down')) };
    const failing = createGatewayFixture(undefined, { killSwitch: broken });
    expect(refused(await failing.gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer))).toBe(
      'KILL_SWITCH_ACTIVE',
    );
  });

  it('RATE_LIMITED once the per-minute limit is used up, and not after the window ends', async () => {
    const { gateway, advance, events } = createGatewayFixture(undefined);
    for (let index = 0; index < 3; index += 1) {
      expect((await gateway.forwardRequest('p2p-gateway', 'code-assistant', `m${index}`, peer)).success).toBe(true);
    }
    const limited = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'one too many', peer);
    expect(refused(limited)).toBe('RATE_LIMITED');
    expect(limited.error).toContain('Rate limit of 3 per minute');
    expect(events.at(-1)).toMatchObject({ type: 'gateway_blocked', details: { code: 'RATE_LIMITED' } });
    advance(60_000);
    expect((await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'later', peer)).success).toBe(true);
  });

  it('BACKEND_UNAVAILABLE when the rate limiter fails (fails closed, delivers nothing)', async () => {
    const { gateway, injected } = createGatewayFixture(undefined, { rateLimiter: failingRateLimiter });
    const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
    expect(refused(result)).toBe('BACKEND_UNAVAILABLE');
    expect(result.error).toContain('Rate limiter unavailable');
    expect(injected).toEqual([]);
  });

  it('BACKEND_UNAVAILABLE when approval is required and no workflow is configured', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(refused(result)).toBe('BACKEND_UNAVAILABLE');
  });

  it('ACCESS_DENIED for skipApproval on a gateway created without allowSkipApproval', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow());
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer, {
      skipApproval: true,
    });
    expect(refused(result)).toBe('ACCESS_DENIED');
  });

  it('INVALID_INPUT when neither the call nor the gateway gives an inject function (nothing counted)', async () => {
    const { gateway, events } = createGatewayFixture(undefined, { inject: undefined });
    for (let index = 0; index < 4; index += 1) {
      expect(refused(await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer))).toBe('INVALID_INPUT');
    }
    expect(events.filter((event) => event.type === 'gateway_blocked')).toHaveLength(4);
  });

  it.each([
    ['a plain Error', new Error('session crashed'), 'BACKEND_UNAVAILABLE'],
    ['an AccessDeniedError', new AccessDeniedError({ message: 'Tool Bash is blocked' }), 'ACCESS_DENIED'],
    [
      'a CapabilityUnsupportedError',
      new CapabilityUnsupportedError({ message: 'only Bash' }),
      'CAPABILITY_UNSUPPORTED',
    ],
  ])('a delivery whose inject function throws %s carries %s', async (_case, thrown, code) => {
    const { gateway } = createGatewayFixture(undefined);
    const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer, {
      injectFn: () => {
        throw thrown;
      },
    });
    expect(refused(result)).toBe(code);
    expect(result.error).toContain('Delivery failed');
  });

  it('routeThroughGateway(...) with no gateway leading to the session: ACCESS_DENIED', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const discovered = createInjectionSource('p2p-discovery', { identity: { publicKey: 'MCowPeer' } });
    expect(refused(await gateway.routeThroughGateway(discovered, 'vault', 'x'))).toBe('ACCESS_DENIED');
  });

  it('a request queued for approval has no code (it is waiting, not refused)', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow());
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(queued).toMatchObject({ success: false, requiresApproval: true });
    expect(queued.code).toBeUndefined();
  });
});

describe.each(WORKFLOWS)('approveAndExecute(...) refusals carry a stable code (%s)', (_name, makeWorkflow) => {
  async function queued(fixture = createGatewayFixture(makeWorkflow())) {
    const result = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
    return { ...fixture, id: result.requestId };
  }

  it('APPROVAL_NOT_FOUND for an id that is no gateway request', async () => {
    const { gateway } = await queued();
    expect(refused(await gateway.approveAndExecute('no-such-request', 'bob'))).toBe('APPROVAL_NOT_FOUND');
  });

  it('APPROVAL_NOT_PENDING for a rejected request and for a second execution', async () => {
    const rejected = await queued();
    await rejected.gateway.rejectRequest(rejected.id, 'bob', 'no');
    expect(refused(await rejected.gateway.approveAndExecute(rejected.id, 'carol'))).toBe('APPROVAL_NOT_PENDING');
    const executed = await queued();
    expect((await executed.gateway.approveAndExecute(executed.id, 'bob')).success).toBe(true);
    expect(refused(await executed.gateway.approveAndExecute(executed.id, 'carol'))).toBe('APPROVAL_NOT_PENDING');
  });

  it('APPROVAL_NOT_PENDING for every loser of a concurrent execution', async () => {
    const { gateway, injected, id } = await queued();
    await gateway.approveRequest(id, 'bob');
    const results = await Promise.all(['carol', 'dave', 'erin'].map((who) => gateway.approveAndExecute(id, who)));
    expect(results.filter((result) => result.success)).toHaveLength(1);
    expect(results.filter((result) => !result.success).map((result) => result.code)).toEqual([
      'APPROVAL_NOT_PENDING',
      'APPROVAL_NOT_PENDING',
    ]);
    expect(injected).toHaveLength(1);
  });

  it('ACCESS_DENIED when the original sender approves their own request', async () => {
    const { gateway, id } = await queued();
    expect(refused(await gateway.approveAndExecute(id, REQUESTER))).toBe('ACCESS_DENIED');
  });

  it('KILL_SWITCH_ACTIVE while the kill switch is active', async () => {
    const { gateway, killSwitch, id } = await queued();
    await killSwitch.activate('incident');
    expect(refused(await gateway.approveAndExecute(id, 'bob'))).toBe('KILL_SWITCH_ACTIVE');
  });

  it('ACCESS_DENIED when the policy changed between approval and execution', async () => {
    const { gateway, engine, id } = await queued();
    await gateway.approveRequest(id, 'bob');
    await engine.saveConfig({
      ...TEST_CONFIG,
      sessions: { ...TEST_CONFIG.sessions, 'code-assistant': { access: ['trust:trusted'] } },
    });
    expect(refused(await gateway.approveAndExecute(id, 'carol'))).toBe('ACCESS_DENIED');
  });

  it('RATE_LIMITED when the limit is used up at execution time', async () => {
    const fixture = await queued();
    fixture.advance(60_000);
    const second = await queued(fixture);
    expect((await fixture.gateway.approveAndExecute(fixture.id, 'bob')).success).toBe(true);
    expect(refused(await fixture.gateway.approveAndExecute(second.id, 'bob'))).toBe('RATE_LIMITED');
  });

  it('BACKEND_UNAVAILABLE when the workflow fails with an error that is not a Warden error', async () => {
    const workflow = makeWorkflow();
    const failing: ApprovalWorkflow = Object.assign(Object.create(workflow), {
      approve: async () => Promise.reject(new Error('socket closed')),
    });
    const { gateway, id } = await queued(createGatewayFixture(failing));
    expect(refused(await gateway.approveAndExecute(id, 'bob'))).toBe('BACKEND_UNAVAILABLE');
  });
});

describe('approveAndExecute(...) without a workflow, and with a changed payload', () => {
  it('BACKEND_UNAVAILABLE when the gateway has no workflow', async () => {
    const { gateway } = createGatewayFixture(undefined);
    expect(refused(await gateway.approveAndExecute('fwd_1', 'bob'))).toBe('BACKEND_UNAVAILABLE');
  });

  it('ACCESS_DENIED when the stored payload changed after approval', async () => {
    const store = createMemoryApprovalStore();
    const fixture = createGatewayFixture(createApprovalWorkflow({ store }));
    const { requestId } = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'read logs', peer);
    await fixture.gateway.approveRequest(requestId, 'bob');
    const record = await store.get(requestId);
    if (!record) throw new Error('record missing');
    const tampered = { ...record, payload: { ...(record.payload as object), message: 'rm -rf /' } };
    expect(await store.compareAndSet(requestId, record.version, { ...tampered, version: record.version + 1 })).toBe(
      true,
    );
    expect(refused(await fixture.gateway.approveAndExecute(requestId, 'carol'))).toBe('ACCESS_DENIED');
    expect(fixture.injected).toEqual([]);
  });
});
