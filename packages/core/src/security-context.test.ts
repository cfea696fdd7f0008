import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from './capability-registry.js';
import { AccessDeniedError, InvalidInputError } from './errors.js';
import {
  createApiContext,
  createCliContext,
  createDaemonContext,
  createP2PContext,
  createP2PDiscoveryContext,
  createPluginContext,
  createSecurityContext,
} from './security-context.js';
import {
  checkCurrentCapability,
  checkCurrentToolAccess,
  clearContext,
  getContext,
  getCurrentContext,
  requireSecurityContext,
  storeContext,
  withSecurityContext,
} from './security-context-scope.js';
import { createSecurityEngine } from './security-engine.js';
import { createInjectionSource, type InjectionSource } from './sources.js';

const engine = createSecurityEngine({
  registry: createCapabilityRegistry(),
  config: {
    trustLevels: { trusted: { tools: { allow: ['Read', 'Write', 'Edit'], deny: ['config.write'] } } },
    sessions: {
      'p2p-gateway': {
        access: ['trust:untrusted'],
        capabilities: ['inject', 'cross.inject'],
        gateway: { allowForwardTo: ['*'] },
      },
    },
  },
});

describe('createSecurityContext(source, session)', () => {
  it('runs the seed example: a trusted P2P source may use tools', () => {
    const source = createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'MCow...' } });
    const ctx = createSecurityContext(source, 'my-session', engine);
    expect(ctx.hasCapability('inject.tools')).toBe(true);
    expect(ctx.hasCapability('inject.exec')).toBe(false);
    expect(ctx.trustLevel).toBe('trusted');
    expect(ctx.capabilities).toEqual(['inject', 'inject.tools', 'session.spawn', 'a2a.call']);
    expect(ctx.isToolAllowed('Read')).toBe(true);
    expect(ctx.isToolAllowed('Bash')).toBe(false);
    expect(ctx.canForward()).toBe(false);
  });

  it('keeps a frozen copy of the source, so later changes to the caller’s object grant nothing', () => {
    const source: InjectionSource = createInjectionSource('p2p', { identity: { publicKey: 'k' } });
    const ctx = createSecurityContext(source, 's', engine);
    source.trustLevel = 'owner';
    expect(ctx.trustLevel).toBe('untrusted');
    expect(Object.isFrozen(ctx.source)).toBe(true);
    expect(ctx.hasCapability('inject.tools')).toBe(false);
  });

  it('throws INVALID_INPUT for an unknown trust level', () => {
    const source = { type: 'p2p', trustLevel: 'godlike' } as unknown as InjectionSource;
    expect(() => createSecurityContext(source, 's', engine)).toThrow(InvalidInputError);
  });

  it('produces the seed’s whoami and check introspection shapes', () => {
    const ctx = createP2PContext('code-assistant', 'MCow...', 'trusted', engine);
    expect(ctx.whoami()).toEqual({
      trustLevel: 'trusted',
      capabilities: ['inject', 'inject.tools', 'session.spawn', 'a2a.call'],
      sandbox: { enabled: false },
      source: { type: 'p2p', trustLevel: 'trusted', identity: { publicKey: 'MCow...' }, timestamp: expect.any(Number) },
      session: 'code-assistant',
      policy: { tools: { allow: ['Read', 'Write', 'Edit'], deny: ['config.write'] } },
    });
    expect(ctx.check('inject.tools')).toEqual({ allowed: true, capability: 'inject.tools' });
    expect(ctx.check('inject.network')).toEqual({
      allowed: false,
      capability: 'inject.network',
      reason: "Capability inject.network not granted for trust level 'trusted'",
    });
  });
});

describe('createSecurityContext(source, session) given a source that answers each read differently', () => {
  // The attacker: code that hands over a Proxy whose trustLevel reads "untrusted" when checked
  // and "owner" afterwards.
  it('keeps the trust level that was checked, never what a later read returns', () => {
    // Its descriptor (what a careful check reads) says untrusted; every plain read says owner.
    const shifty = new Proxy(
      { type: 'p2p', trustLevel: 'untrusted', identity: { publicKey: 'k' } } as Record<string, unknown>,
      { get: (target, key) => (key === 'trustLevel' ? 'owner' : target[key as string]) },
    );
    const ctx = createSecurityContext(shifty as unknown as InjectionSource, 'p2p-gateway', engine);
    expect(ctx.trustLevel).toBe('untrusted');
    expect(ctx.source.trustLevel).toBe('untrusted');
    expect(ctx.hasCapability('config.write')).toBe(false);
    expect(Object.isFrozen(ctx.source.identity)).toBe(true);
  });
});

describe('context creators', () => {
  it('give each source type its default trust and identity', () => {
    expect(createCliContext('s', engine).source).toMatchObject({ type: 'cli', trustLevel: 'owner' });
    expect(createDaemonContext('s', engine).source).toMatchObject({ type: 'daemon', trustLevel: 'owner' });
    expect(createPluginContext('weather', 's', undefined, engine).source).toMatchObject({
      type: 'plugin',
      trustLevel: 'semi-trusted',
      identity: { pluginName: 'weather' },
    });
    expect(createPluginContext('weather', 's', 'trusted', engine).trustLevel).toBe('trusted');
    expect(createP2PDiscoveryContext('s', 'key', engine).source).toMatchObject({
      type: 'p2p-discovery',
      trustLevel: 'untrusted',
      identity: { publicKey: 'key' },
    });
  });

  it('never keep an API key, only its fingerprint', () => {
    const ctx = createApiContext('s', 'sk-live-very-secret', undefined, engine);
    expect(ctx.source.type).toBe('api');
    expect(ctx.trustLevel).toBe('semi-trusted');
    expect(ctx.source.identity?.userId).toMatch(/^key:[0-9a-f]{16}$/);
    expect(JSON.stringify(ctx.source)).not.toContain('sk-live-very-secret');
  });

  it.each([undefined, '', '   ', 42])(
    'refuse an API key, peer key or plugin name of %j with INVALID_INPUT (an anonymous caller is no API client)',
    (missing) => {
      // An HTTP handler passing an absent x-api-key header got a semi-trusted context shared by
      // every caller without a key (the fingerprint of "undefined").
      const attempts = [
        () => createApiContext('s', missing as never, undefined, engine),
        () => createP2PContext('s', missing as never, 'untrusted', engine),
        () => createP2PDiscoveryContext('s', missing as never, engine),
        () => createPluginContext(missing as never, 's', undefined, engine),
      ];
      for (const attempt of attempts) {
        expect(attempt).toThrow(InvalidInputError);
        expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      }
    },
  );

  it('let a gateway session forward when it grants cross.inject', () => {
    expect(createP2PDiscoveryContext('p2p-gateway', 'key', engine).canForward()).toBe(true);
  });
});

describe('withSecurityContext(ctx, fn)', () => {
  it('keeps concurrent requests to the same session apart (WOPR context keyed by session name)', async () => {
    const owner = createCliContext('shared', engine);
    const stranger = createP2PDiscoveryContext('shared', 'stranger', engine);
    const seen: string[] = [];
    const request = async (ctx: typeof owner, delay: number) =>
      withSecurityContext(ctx, async () => {
        storeContext(ctx);
        await sleep(delay);
        seen.push(`${getContext('shared')?.trustLevel}/${getCurrentContext()?.trustLevel}`);
        clearContext('shared');
        return getContext('shared');
      });
    const results = await Promise.all([request(owner, 20), request(stranger, 5)]);
    expect(seen.sort()).toEqual(['owner/owner', 'untrusted/untrusted']);
    expect(results).toEqual([undefined, undefined]);
  });

  it('does not let one request clear another request’s context', async () => {
    const first = createCliContext('shared', engine);
    const second = createP2PContext('shared', 'k', 'trusted', engine);
    let secondSawAfterClear: string | undefined;
    await Promise.all([
      withSecurityContext(first, async () => {
        await sleep(1);
        clearContext('shared');
      }),
      withSecurityContext(second, async () => {
        await sleep(10);
        secondSawAfterClear = getContext('shared')?.trustLevel;
      }),
    ]);
    expect(secondSawAfterClear).toBe('trusted');
  });

  it('returns what fn returns and propagates what it throws', async () => {
    const ctx = createCliContext('s', engine);
    await expect(withSecurityContext(ctx, () => 42)).resolves.toBe(42);
    await expect(
      withSecurityContext(ctx, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});

describe('checks without a security context', () => {
  it('fail closed', async () => {
    expect(getCurrentContext()).toBeUndefined();
    expect(checkCurrentCapability('inject')).toEqual({ allowed: false, reason: 'No security context' });
    expect(checkCurrentToolAccess('Read').allowed).toBe(false);
    expect(() => requireSecurityContext()).toThrow(AccessDeniedError);
    expect(() => storeContext(createCliContext('s', engine))).toThrow(InvalidInputError);
    expect(getContext('s')).toBeUndefined();
    const ctx = createCliContext('s', engine);
    await withSecurityContext(ctx, async () => {
      expect(checkCurrentCapability('inject').allowed).toBe(true);
      expect(requireSecurityContext()).toBe(ctx);
    });
  });
});
