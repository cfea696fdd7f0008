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
});
