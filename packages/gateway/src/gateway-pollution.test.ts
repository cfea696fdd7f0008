import { createApprovalWorkflow } from '@warden/approvals';
import { createInjectionSource } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayFixture } from '../test/gateway-fixture.js';

// Another library in the process set a field on Object.prototype (prototype pollution), not
// enumerable, so that strict schemas reading the caller's keys do not refuse everything first.
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.allowSkipApproval;
});

describe('createGateway(config) reads only the settings it was given', () => {
  it('Object.prototype.allowSkipApproval does not let a peer skip approval', async () => {
    Object.defineProperty(Object.prototype, 'allowSkipApproval', { value: true, configurable: true, writable: true });
    const { gateway, inject, injected } = createGatewayFixture(createApprovalWorkflow());
    const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'hi', peer, {
      skipApproval: true,
      injectFn: inject,
    });
    expect(result).toMatchObject({ success: false, code: 'ACCESS_DENIED' });
    expect(injected).toEqual([]);
  });
});
