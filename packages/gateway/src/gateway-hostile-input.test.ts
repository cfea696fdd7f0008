import { createApprovalWorkflow } from '@warden/approvals';
import { createInjectionSource, type KillSwitch } from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture } from '../test/gateway-fixture.js';

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
