import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMemorySecretStore } from './memory-secret-store.js';

describe('createMemorySecretStore(options)', () => {
  it('starts with the initial secrets', async () => {
    const secrets = createMemorySecretStore({ initial: { 'github-token': 'ghs_test' } });
    expect(await secrets.get('github-token')).toBe('ghs_test');
    expect(await secrets.list()).toEqual(['github-token']);
  });

  it('createMemorySecretStore({ initial }) with an invalid name or value throws INVALID_INPUT', () => {
    expect(() => createMemorySecretStore({ initial: { GITHUB_TOKEN: 'x' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => createMemorySecretStore({ initial: { 'api-key': '' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('set(name, value) refuses the names the environment store refuses', async () => {
    const secrets = createMemorySecretStore();
    for (const name of ['GitHub_Token', 'a--b', '1password', 'x'.repeat(129)]) {
      await expect(secrets.set(name, 'x'), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('records every call with values redacted, and the time from now', async () => {
    const secrets = createMemorySecretStore({ now: () => 0 });
    await secrets.set('api-key', 'very-secret');
    await secrets.get('api-key');
    expect(secrets.calls).toEqual([
      { method: 'set', args: ['api-key', '[REDACTED]'], at: '1970-01-01T00:00:00.000Z' },
      { method: 'get', args: ['api-key'], at: '1970-01-01T00:00:00.000Z' },
    ]);
    expect(inspect(secrets, { depth: 10 })).not.toContain('very-secret');
  });

  // The same limits as @warden/secrets-env (its env-secret-store.size.test.ts): code tested on this
  // stand-in must not pass with a value that the environment store refuses in production.
  it('set(name, value) refuses what the environment store refuses for size: NAME=value past 128 KiB is INVALID_INPUT, growth past 1 MiB QUOTA_EXCEEDED', async () => {
    const secrets = createMemorySecretStore();
    const fits = 131_072 - 'api-key'.length - 2;
    await secrets.set('api-key', 'v'.repeat(fits));
    const tooLarge = await secrets.set('api-key', 'v'.repeat(fits + 1)).catch((error: unknown) => error);
    expect(tooLarge).toMatchObject({ code: 'INVALID_INPUT' });
    expect((tooLarge as Error).message).not.toContain('vvvv');
    expect(await secrets.get('api-key')).toHaveLength(fits);
    for (let index = 1; index < 8; index += 1) await secrets.set(`key-${index}`, 'v'.repeat(fits));
    await expect(secrets.set('one-more', 'v'.repeat(16_384))).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    // Replacing with a smaller value, or deleting, frees room.
    await secrets.set('key-1', 'short');
    await expect(secrets.set('one-more', 'v'.repeat(16_384))).resolves.toBeUndefined();
    expect(() => createMemorySecretStore({ initial: { 'api-key': 'v'.repeat(fits + 1) } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
