import type { InjectionSource } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture, WORKFLOWS } from '../test/gateway-fixture.js';

// The attacker: code that hands the gateway a source object it built itself (a plugin host, a
// request decoder) whose validating reads name one sender and whose plain reads name another.

const SENDER = 'MCowSender';
const SOMEONE_ELSE = 'MCowSomeoneElse';
const CHECKED = { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: SENDER } };
const CLAIMED = { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: SOMEONE_ELSE } };

/**
 * A Proxy whose own-property descriptors (what a validating read sees) say `CHECKED` and whose
 * plain reads (`source.identity`) say `CLAIMED`.
 */
function twoFacedSource(): InjectionSource {
  const claimed: Record<string, unknown> = CLAIMED;
  return new Proxy({ ...CHECKED }, { get: (_target, key) => claimed[key as string] }) as unknown as InjectionSource;
}

describe.each(WORKFLOWS)(
  'a gateway (%s) given a source that reads as one sender and then as another',
  (_name, make) => {
    it('forwardRequest files, describes and guards the request as the sender it checked', async () => {
      const { gateway } = createGatewayFixture(make());
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hello', twoFacedSource());
      expect(result).toMatchObject({ success: false, requiresApproval: true });
      const request = await gateway.getRequest(result.requestId as string);
      expect(request?.originalSource.identity?.publicKey).toBe(SENDER);
      expect(JSON.stringify(request)).not.toContain(SOMEONE_ELSE);
      // Separation of duties holds against the sender that was checked.
      await expect(gateway.approveRequest(result.requestId as string, SENDER)).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
      });
    });

    it('queueForApproval files the request as the sender it checked', async () => {
      const { gateway } = createGatewayFixture(make());
      const request = await gateway.queueForApproval({
        gatewaySession: 'approval-gateway',
        targetSession: 'code-assistant',
        message: 'hello',
        originalSource: twoFacedSource(),
      });
      expect(request.originalSource.identity?.publicKey).toBe(SENDER);
      expect(JSON.stringify(request)).not.toContain(SOMEONE_ELSE);
    });

    it('routeThroughGateway delivers with the identity it checked', async () => {
      const { gateway, inject, injected } = createGatewayFixture(make());
      const result = await gateway.routeThroughGateway(twoFacedSource(), 'code-assistant', 'hello', inject);
      expect(result).toMatchObject({ success: true });
      expect(injected).toHaveLength(1);
      expect(injected[0]?.options.source.identity).toEqual({ publicKey: SENDER, gatewaySession: 'p2p-gateway' });
    });
  },
);
