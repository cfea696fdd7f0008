import { createInjectionSource, createP2PContext, createP2PDiscoveryContext } from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture, WORKFLOWS } from '../test/gateway-fixture.js';
import type { Gateway, InjectFunction } from './gateway-types.js';

describe('gateway rules from the SecurityConfig', () => {
  it('isGateway(session) and getForwardRules(session) read the configuration', () => {
    const { gateway } = createGatewayFixture(undefined);
    expect(gateway.isGateway('p2p-gateway')).toBe(true);
    expect(gateway.isGateway('code-assistant')).toBe(false);
    expect(gateway.getForwardRules('action-gateway')).toMatchObject({ allowActions: ['chat', 'review.*'] });
    expect(gateway.getForwardRules('code-assistant')).toBeNull();
  });

  it('canForwardTo(gateway, target) follows allowForwardTo globs and never forwards to itself', () => {
    const { gateway } = createGatewayFixture(undefined);
    expect(gateway.canForwardTo('p2p-gateway', 'code-assistant')).toBe(true);
    expect(gateway.canForwardTo('p2p-gateway', 'code-review')).toBe(true);
    expect(gateway.canForwardTo('p2p-gateway', 'vault')).toBe(false);
    expect(gateway.canForwardTo('code-assistant', 'code-review')).toBe(false);
  });

  it('requiresGateway(source, target) is true only when direct access is denied', () => {
    const { gateway, engine } = createGatewayFixture(undefined);
    const peer = createP2PDiscoveryContext('code-assistant', 'MCowPeer', engine).source;
    const trusted = createP2PContext('code-assistant', 'MCowFriend', 'trusted', engine).source;
    expect(gateway.requiresGateway(peer, 'code-assistant')).toBe(true);
    expect(gateway.requiresGateway(trusted, 'code-assistant')).toBe(false);
    expect(gateway.findGatewayForSource(peer, 'code-assistant')).toBe('p2p-gateway');
    expect(gateway.findGatewayForSource(peer, 'vault')).toBeNull();
  });
});

/** The seed's example, written against a gateway instance. */
async function handleDiscoveredPeer(
  gateway: Gateway,
  engine: Parameters<typeof createP2PDiscoveryContext>[2],
  inject: InjectFunction,
  session: string,
  message: string,
  peerKey: string,
) {
  const ctx = createP2PDiscoveryContext(session, peerKey, engine);
  if (gateway.requiresGateway(ctx.source, session)) {
    const result = await gateway.routeThroughGateway(ctx.source, session, message, inject);
    if (!result) return { error: 'No gateway available' };
    if (!result.success) return { error: result.error };
    return { response: result.response };
  }
  return { response: await inject(session, message, { source: ctx.source, requestId: 'direct' }) };
}

describe('the seed example handleDiscoveredPeer(session, message, peerKey)', () => {
  it('routes a discovered peer through the gateway with its identity at untrusted', async () => {
    const { gateway, engine, inject, injected, events } = createGatewayFixture(undefined);
    const answer = await handleDiscoveredPeer(gateway, engine, inject, 'code-assistant', 'hello', 'MCowPeer');
    expect(answer).toEqual({ response: 'ok:hello' });
    expect(injected).toHaveLength(1);
    expect(injected[0]?.options.source).toMatchObject({
      type: 'gateway',
      trustLevel: 'untrusted',
      identity: { publicKey: 'MCowPeer', gatewaySession: 'p2p-gateway' },
    });
    expect(events.find((event) => event.type === 'gateway_forward')?.details).toMatchObject({
      gateway: 'p2p-gateway',
      target: 'code-assistant',
    });
  });

  it('returns the error when no gateway leads to the session', async () => {
    const { gateway, engine, inject, injected } = createGatewayFixture(undefined);
    expect(await handleDiscoveredPeer(gateway, engine, inject, 'vault', 'hi', 'MCowPeer')).toEqual({
      error: 'No gateway available',
    });
    expect(injected).toEqual([]);
  });
});

describe('routeThroughGateway(source, target, message): the action type is what runs, a message', () => {
  const config = (allowActions: string[]) => ({
    sessions: {
      'peer-gateway': {
        access: ['type:p2p-discovery'],
        capabilities: ['inject', 'cross.inject'],
        gateway: { allowForwardTo: ['code-assistant'], allowActions },
      },
      'code-assistant': { access: ['session:peer-gateway'] },
    },
  });

  it('passes a gateway whose allowActions lists "message", and files the delivery as a message', async () => {
    const { gateway, engine, inject, injected, events } = createGatewayFixture(undefined, {}, config(['message']));
    const peer = createP2PDiscoveryContext('code-assistant', 'MCowPeer', engine).source;
    expect(await gateway.routeThroughGateway(peer, 'code-assistant', 'hello', inject)).toMatchObject({ success: true });
    expect(injected.map((delivery) => delivery.message)).toEqual(['hello']);
    expect(events.find((event) => event.type === 'gateway_forward')?.details).toMatchObject({ actionType: 'message' });
  });

  it('is refused by a gateway whose allowActions lists only other actions, and delivers nothing', async () => {
    const { gateway, engine, inject, injected } = createGatewayFixture(undefined, {}, config(['Bash', 'review.*']));
    const peer = createP2PDiscoveryContext('code-assistant', 'MCowPeer', engine).source;
    expect(await gateway.routeThroughGateway(peer, 'code-assistant', 'hello', inject)).toMatchObject({
      success: false,
    });
    expect(injected).toEqual([]);
  });
});

describe('forwardRequest(gateway, target, message, originalSource, options)', () => {
  const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });

  it('refuses a target outside allowForwardTo with a gateway_blocked event', async () => {
    const { gateway, injected, events } = createGatewayFixture(undefined);
    const result = await gateway.forwardRequest('p2p-gateway', 'vault', 'x', peer);
    expect(result).toMatchObject({ success: false, error: 'Gateway p2p-gateway may not forward to vault' });
    expect(injected).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'gateway_blocked', details: { target: 'vault' } });
  });

  it('refuses a request without an action type when the gateway lists actions (WOPR bypassed the filter)', async () => {
    const { gateway, injected } = createGatewayFixture(undefined);
    const untyped = await gateway.forwardRequest('action-gateway', 'code-assistant', 'x', peer);
    expect(untyped).toMatchObject({ success: false, error: expect.stringContaining('none given') });
    const wrong = await gateway.forwardRequest('action-gateway', 'code-assistant', 'x', peer, { actionType: 'exec' });
    expect(wrong.success).toBe(false);
    const glob = await gateway.forwardRequest('action-gateway', 'code-assistant', 'x', peer, {
      actionType: 'review.diff',
    });
    expect(glob.success).toBe(true);
    expect(injected).toHaveLength(1);
  });

  it('caps the forwarded trust at the gateway trust and keeps the original identity', async () => {
    const { gateway, injected } = createGatewayFixture(undefined);
    const friend = createInjectionSource('p2p', {
      trustLevel: 'trusted',
      identity: { publicKey: 'MCowFriend', gatewaySession: 'forged-gateway' },
      grantedCapabilities: ['config.write'],
    });
    await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', friend);
    expect(injected[0]?.options.source).toEqual({
      type: 'gateway',
      trustLevel: 'semi-trusted',
      identity: { publicKey: 'MCowFriend', gatewaySession: 'p2p-gateway' },
      timestamp: friend.timestamp,
    });
  });

  it('refuses a sender that may not reach the gateway session', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const plugin = createInjectionSource('plugin', { identity: { pluginName: 'weather' } });
    const result = await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', plugin);
    expect(result.success).toBe(false);
  });

  it('counts the rate limit per delivery and not for refused requests', async () => {
    const { gateway, advance } = createGatewayFixture(undefined);
    for (let index = 0; index < 3; index += 1) await gateway.forwardRequest('p2p-gateway', 'vault', 'refused', peer);
    const delivered = [];
    for (let index = 0; index < 4; index += 1) {
      delivered.push((await gateway.forwardRequest('p2p-gateway', 'code-assistant', `m${index}`, peer)).success);
    }
    expect(delivered).toEqual([true, true, true, false]);
    advance(60_000);
    expect((await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'later', peer)).success).toBe(true);
  });

  it('forwards nothing while the kill switch is active, and fails closed when it cannot be read', async () => {
    const { gateway, killSwitch, injected } = createGatewayFixture(undefined);
    await killSwitch.activate('incident');
    expect(await gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer)).toMatchObject({
      success: false,
      error: expect.stringContaining('Kill switch'),
    });
    await killSwitch.deactivate();
    const broken = { ...createStubKillSwitch(), isActive: async () => Promise.reject(new Error('redis down')) };
    const failing = createGatewayFixture(undefined, { killSwitch: broken });
    expect((await failing.gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', peer)).success).toBe(false);
    expect(injected).toEqual([]);
  });

  it('throws INVALID_INPUT for an unknown source type or an over-long message', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const forged = { type: 'root', trustLevel: 'owner' } as never;
    await expect(gateway.forwardRequest('p2p-gateway', 'code-assistant', 'x', forged)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const long = 'x'.repeat(1_000_001);
    await expect(gateway.forwardRequest('p2p-gateway', 'code-assistant', long, peer)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it.each(WORKFLOWS)('refuses skipApproval unless the gateway allows it (%s)', async (_name, makeWorkflow) => {
    const strict = createGatewayFixture(makeWorkflow());
    const refused = await strict.gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer, {
      skipApproval: true,
    });
    expect(refused).toMatchObject({ success: false, error: expect.stringContaining('skipApproval') });
    const lenient = createGatewayFixture(makeWorkflow(), { allowSkipApproval: true });
    const allowed = await lenient.gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer, {
      skipApproval: true,
    });
    expect(allowed.success).toBe(true);
  });

  it('refuses a request that needs approval when no workflow is configured', async () => {
    const { gateway } = createGatewayFixture(undefined);
    const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(result).toMatchObject({ success: false, error: expect.stringContaining('no approval workflow') });
  });
});
