import { createApprovalWorkflow } from '@warden/approvals';
import {
  createInjectionSource,
  type InjectionSource,
  type KillSwitch,
  type RateLimiter,
  type SecurityEventEmitter,
} from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture, TEST_CONFIG } from '../test/gateway-fixture.js';
import type { ForwardRequestInput } from './gateway-types.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });

describe('a kill switch that answers something other than a boolean', () => {
  it.each([undefined, null, 'false', 0])(
    'forwardRequest(...) while isActive() resolves %j is KILL_SWITCH_ACTIVE (unknown fails closed)',
    async (answer) => {
      const broken: KillSwitch = { ...createStubKillSwitch(), isActive: async () => answer as unknown as boolean };
      const { gateway, injected } = createGatewayFixture(undefined, { killSwitch: broken });
      const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
      expect(result).toMatchObject({ success: false, code: 'KILL_SWITCH_ACTIVE' });
      expect(injected).toEqual([]);
    },
  );
});

describe('a hostile target whose inject throws something that cannot be turned into text', () => {
  const unprintable = [
    ['a null-prototype object', () => Object.create(null)],
    [
      'an Error whose message getter throws',
      () =>
        Object.defineProperty(new Error(), 'message', {
          get: () => {
            throw new Error('boom');
          },
        }),
    ],
    [
      'an object whose toString throws',
      () => ({
        toString: () => {
          throw new Error('boom');
        },
      }),
    ],
  ] as const;

  it.each(unprintable)(
    'forwardRequest(...) when inject throws %s is BACKEND_UNAVAILABLE, not a crash',
    async (_what, make) => {
      const { gateway } = createGatewayFixture(undefined, {
        inject: async () => {
          throw make();
        },
      });
      const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
      expect(result).toMatchObject({ success: false, code: 'BACKEND_UNAVAILABLE', error: expect.any(String) });
    },
  );

  it('approveAndExecute(id, approver) when inject throws a null-prototype object fails the request once (not stuck "being delivered")', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow(), {
      inject: async () => {
        throw Object.create(null);
      },
    });
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    const result = await gateway.approveAndExecute(queued.requestId, 'operator');
    expect(result).toMatchObject({ success: false, code: 'BACKEND_UNAVAILABLE' });
    expect((await gateway.getRequest(queued.requestId))?.status).toBe('failed');
  });
});

describe('queueForApproval(request) from a caller passing the peer’s fields through unchecked', () => {
  const valid: ForwardRequestInput = {
    gatewaySession: 'approval-gateway',
    targetSession: 'code-assistant',
    message: 'hi',
    originalSource: peer,
  };

  it.each([
    ['a number as the message', { message: 123 }],
    ['an array as the message', { message: ['hi'] }],
    ['an array as the target session', { targetSession: ['code-assistant'] }],
    ['a number as the action type', { actionType: 7 }],
    ['an empty action type', { actionType: '' }],
    ['an action type of a megabyte', { actionType: 'a'.repeat(1_000_000) }],
  ])('throws INVALID_INPUT for %s and queues nothing', async (_what, change) => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow());
    const request = { ...valid, ...change } as unknown as ForwardRequestInput;
    await expect(gateway.queueForApproval(request)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await gateway.getPendingRequests()).toEqual([]);
  });
});

describe('a peer with a self-made key that pads its source instead of its message', () => {
  const padded: Array<[string, InjectionSource]> = [
    ['a public key of a megabyte', { ...peer, identity: { publicKey: 'k'.repeat(1_000_000) } }],
    ['a huge sessionId', { ...peer, sessionId: 's'.repeat(1_000_000) }],
  ];

  it.each(padded)('forwardRequest(...) with %s is QUOTA_EXCEEDED and queues nothing', async (_what, source) => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow());
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', source);
    expect(result).toMatchObject({ success: false, code: 'QUOTA_EXCEEDED' });
    expect(await gateway.getPendingRequests()).toEqual([]);
  });

  it('forwardRequest(...) with an extra identity member files the request without it (only the known identity fields are kept)', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow());
    const source = { ...peer, identity: { publicKey: 'k', padding: 'x'.repeat(1_000_000) } as never };
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', source);
    expect(result.requiresApproval).toBe(true);
    const [request] = await gateway.getPendingRequests();
    expect(request?.originalSource.identity).toEqual({ publicKey: 'k' });
    expect(JSON.stringify(request).length).toBeLessThan(10_000);
  });

  it('forwardRequest(...) with an ordinary source and a message at maxMessageBytes is still queued', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow(), { queue: { maxMessageBytes: 1_000 } });
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x'.repeat(1_000), peer);
    expect(result.requiresApproval).toBe(true);
  });
});

describe('a peer whose self-made key holds control characters or line separators', () => {
  it.each(['key\u0085next', 'key\u2028next', 'key\u009b2K', 'key\u001b[2Knext'])(
    'forwardRequest(...) from key %j is queued under a readable requester name',
    async (publicKey) => {
      const { gateway } = createGatewayFixture(createApprovalWorkflow());
      const source = createInjectionSource('p2p', { identity: { publicKey } });
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', source);
      expect(result.requiresApproval).toBe(true);
    },
  );
});

describe('a peer whose self-made keys are made to show as another peer’s public key', () => {
  it('files each under a requester name of its own, so a store bounding requesters counts none against the victim', async () => {
    const victimKey = `-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'v'.repeat(400)}`;
    const workflow = createApprovalWorkflow();
    const approvalGateway = TEST_CONFIG.sessions?.['approval-gateway'];
    const unlimited = {
      sessions: {
        ...TEST_CONFIG.sessions,
        'approval-gateway': {
          ...approvalGateway,
          gateway: { allowForwardTo: ['code-assistant'], requireApproval: true },
        },
      },
    };
    const { gateway } = createGatewayFixture(workflow, {}, unlimited);
    const fileFrom = async (publicKey: string) => {
      const source = createInjectionSource('p2p', { identity: { publicKey } });
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', source);
      expect(result).toMatchObject({ requiresApproval: true });
      return (await workflow.get(result.requestId)).requester;
    };
    const victim = await fileFrom(victimKey);
    expect(victim.length).toBeLessThanOrEqual(200);
    const lookalikes = [
      `${victimKey.slice(0, 10)}\u0007${victimKey.slice(10)}`,
      `${victimKey.slice(0, 196)}attacker`,
      `${victimKey}\u202e`,
      victim.slice('p2p:'.length), // the victim's name as filed, spelt as a key
    ];
    const names = [victim];
    for (const key of lookalikes) names.push(await fileFrom(key));
    expect(new Set(names).size).toBe(names.length);
    expect(await workflow.listPending({ requester: victim })).toHaveLength(1);
    // An ordinary key is its own name.
    expect(await fileFrom('MCowPlain')).toBe('p2p:MCowPlain');
  });
});

describe('a peer whose self-made key holds a bidirectional override, embedding or isolate', () => {
  it.each(['key\u202eyek', 'key\u202aab\u202c', 'key\u2067ab\u2069'])(
    'forwardRequest(...) from key %j is queued under a requester name without it',
    async (publicKey) => {
      const { gateway } = createGatewayFixture(createApprovalWorkflow());
      const source = createInjectionSource('p2p', { identity: { publicKey } });
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', source);
      expect(result.requiresApproval).toBe(true);
      const [pending] = await gateway.getPendingRequests('approval-gateway');
      expect(pending?.id).toBe(result.requestId);
      expect(await gateway.approveAndExecute(result.requestId, publicKey)).toMatchObject({ code: 'ACCESS_DENIED' });
    },
  );
});

describe('an event emitter that throws (an audit sink that is down)', () => {
  const failingEvents = {
    emit: () => {
      throw new Error('audit sink unreachable');
    },
  } as unknown as SecurityEventEmitter;

  it('forwardRequest(...) delivers once and reports success', async () => {
    const { gateway, injected } = createGatewayFixture(undefined, { events: failingEvents });
    const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
    expect(result).toMatchObject({ success: true, response: 'ok:x' });
    expect(injected).toHaveLength(1);
  });

  it('forwardRequest(...) refused by a rule still returns its code', async () => {
    const { gateway } = createGatewayFixture(undefined, { events: failingEvents });
    const result = await gateway.forwardRequest('p2p-gateway', 'vault', 'x', peer);
    expect(result).toMatchObject({ success: false, code: 'ACCESS_DENIED' });
  });

  it('approveAndExecute(id, approver) delivers once and the request shows executed', async () => {
    const { gateway, injected } = createGatewayFixture(createApprovalWorkflow(), { events: failingEvents });
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({ success: true });
    expect((await gateway.getRequest(queued.requestId))?.status).toBe('executed');
    expect(injected).toHaveLength(1);
  });
});

describe('a hostile target that answers with something JSON cannot write', () => {
  const cyclic = (): unknown => {
    const answer: Record<string, unknown> = {};
    answer.self = answer;
    return answer;
  };
  const unwritable = [
    ['a bigint', () => 10n],
    ['a cycle', cyclic],
    [
      'an object whose toJSON throws',
      () => ({
        toJSON: () => {
          throw new Error('boom');
        },
      }),
    ],
  ] as const;

  it.each(unwritable)('forwardRequest(...) answered with %s reports the delivery it made', async (_what, answer) => {
    const { gateway } = createGatewayFixture(undefined, { inject: async () => answer() });
    const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
    expect(result).toMatchObject({ success: true });
    expect(result.response).toBeUndefined();
  });

  it('approveAndExecute(id, approver) answered with a bigint shows the request executed, not failed', async () => {
    const { gateway } = createGatewayFixture(createApprovalWorkflow(), { inject: async () => 10n });
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({ success: true });
    expect((await gateway.getRequest(queued.requestId))?.status).toBe('executed');
  });
});

describe('a rate limiter that answers something other than a decision', () => {
  const answering = (decision: unknown): RateLimiter => ({
    specificationVersion: 'rate-limiter-v1',
    providerId: 'broken',
    consume: async () => decision as Awaited<ReturnType<RateLimiter['consume']>>,
  });
  const malformed = [undefined, null, {}, { allowed: '0' }, { allowed: 1 }];

  it.each(malformed)(
    'forwardRequest(...) when consume() resolves %j is BACKEND_UNAVAILABLE and delivers nothing',
    async (decision) => {
      const { gateway, injected } = createGatewayFixture(undefined, { rateLimiter: answering(decision) });
      const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer);
      expect(result).toMatchObject({ success: false, code: 'BACKEND_UNAVAILABLE' });
      expect(injected).toEqual([]);
    },
  );

  it.each(malformed)(
    'forwardRequest(...) to an approval gateway when consume() resolves %j is BACKEND_UNAVAILABLE and queues nothing',
    async (decision) => {
      const { gateway } = createGatewayFixture(createApprovalWorkflow(), { rateLimiter: answering(decision) });
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
      expect(result).toMatchObject({ success: false, code: 'BACKEND_UNAVAILABLE' });
      expect(await gateway.getPendingRequests()).toEqual([]);
    },
  );
});

describe('an agent sharing the workflow that files a request dressed as a gateway forward', () => {
  const forged = (requester: string) => ({
    requester,
    description: 'Forward a message through approval-gateway',
    tier: 'peer-review' as const,
    payload: {
      kind: 'warden.gateway-forward',
      gatewaySession: 'approval-gateway',
      targetSession: 'code-assistant',
      message: 'rm -rf /',
      originalSource: peer,
      forwardedSource: {
        ...peer,
        type: 'gateway',
        identity: { publicKey: 'MCowPeer', gatewaySession: 'approval-gateway' },
      },
    },
  });

  it('getPendingRequests() and approveAndExecute(id, approver) ignore a forward filed under another requester', async () => {
    const workflow = createApprovalWorkflow();
    const { gateway, injected } = createGatewayFixture(workflow);
    const id = await workflow.request(forged('agent-42'));
    expect(await gateway.getPendingRequests()).toEqual([]);
    expect((await gateway.listPendingRequests()).requests).toEqual([]);
    expect(await gateway.getRequest(id)).toBeNull();
    expect(await gateway.approveAndExecute(id, 'operator')).toMatchObject({
      success: false,
      code: 'APPROVAL_NOT_FOUND',
    });
    expect(injected).toEqual([]);
  });

  it('a forward filed by the gateway itself is still listed and delivered', async () => {
    const workflow = createApprovalWorkflow();
    const { gateway, injected } = createGatewayFixture(workflow);
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'read logs', peer);
    expect((await gateway.getPendingRequests()).map((request) => request.id)).toEqual([queued.requestId]);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({ success: true });
    expect(injected).toHaveLength(1);
  });
});

describe('a sender who is also an approver, approving under the plain name the source carries', () => {
  const alice = createInjectionSource('api', { identity: { userId: 'alice' } });

  it.each(['alice', 'Alice ', 'api:alice'])(
    'approveAndExecute(id, %j) of a request alice sent through the API is ACCESS_DENIED and delivers nothing',
    async (approver) => {
      const { gateway, injected } = createGatewayFixture(createApprovalWorkflow());
      const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', alice);
      expect(queued.requiresApproval).toBe(true);
      expect(await gateway.approveAndExecute(queued.requestId, approver)).toMatchObject({
        success: false,
        code: 'ACCESS_DENIED',
      });
      expect(injected).toEqual([]);
      expect((await gateway.getRequest(queued.requestId))?.approvedBy).toEqual([]);
    },
  );

  it('approveRequest(id, "alice") and rejectRequest(id, "alice", reason) throw ACCESS_DENIED; bob may approve', async () => {
    const { gateway, injected } = createGatewayFixture(createApprovalWorkflow());
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', alice);
    await expect(gateway.approveRequest(queued.requestId, 'alice')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(gateway.rejectRequest(queued.requestId, 'alice', 'no')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    expect(await gateway.approveAndExecute(queued.requestId, 'bob')).toMatchObject({ success: true });
    expect(injected).toHaveLength(1);
  });
});

describe('a sender named only by its sessionId, approving under that plain name', () => {
  // Without an identity the requester is `api:<sessionId>`: the name behind it is the sessionId.
  const alice = createInjectionSource('api', { sessionId: 'alice' });

  it.each(['alice', 'Alice '])('approveAndExecute(id, %j) is ACCESS_DENIED and delivers nothing', async (approver) => {
    const { gateway, injected } = createGatewayFixture(createApprovalWorkflow());
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', alice);
    expect(queued.requiresApproval).toBe(true);
    expect(await gateway.approveAndExecute(queued.requestId, approver)).toMatchObject({
      success: false,
      code: 'ACCESS_DENIED',
    });
    await expect(gateway.approveRequest(queued.requestId, approver)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(injected).toEqual([]);
  });
});

describe('a peer that writes terminal escapes into what approvers read', () => {
  it.each([
    ['an action type', 'approval-gateway', 'code-assistant', { actionType: 'chat\u001b[2K\rreview' }],
    [
      'an action type with a line break',
      'approval-gateway',
      'code-assistant',
      { actionType: 'chat\nApproved by security' },
    ],
    ['a target session', 'p2p-gateway', 'code-\u001b[2Kassistant', {}],
    ['a target session with a C1 control', 'p2p-gateway', 'code-\u009b2Kassistant', {}],
    [
      'an action type with a right-to-left override (the rest of the description reads backwards)',
      'approval-gateway',
      'code-assistant',
      { actionType: 'chat \u202e' },
    ],
    ['an action type with a directional isolate', 'approval-gateway', 'code-assistant', { actionType: 'chat\u2067' }],
  ])(
    'forwardRequest(...) with %s holding control characters throws INVALID_INPUT and queues or delivers nothing',
    async (_what, gatewaySession, targetSession, options) => {
      const { gateway, injected } = createGatewayFixture(createApprovalWorkflow());
      await expect(gateway.forwardRequest(gatewaySession, targetSession, 'hi', peer, options)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(
        gateway.queueForApproval({ gatewaySession, targetSession, message: 'hi', originalSource: peer, ...options }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await gateway.getPendingRequests()).toEqual([]);
      expect(injected).toEqual([]);
    },
  );
});
