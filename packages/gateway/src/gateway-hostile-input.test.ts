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
