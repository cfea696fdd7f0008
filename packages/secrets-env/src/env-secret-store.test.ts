import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEnvSecretStore } from './env-secret-store.js';

describe('createEnvSecretStore(options)', () => {
  it('get(name) reads the UPPER_SNAKE_CASE variable of a kebab-case name', async () => {
    const store = createEnvSecretStore({ env: { GITHUB_TOKEN: 'ghs_value' } });
    expect(await store.get('github-token')).toBe('ghs_value');
    expect(await store.get('missing-secret')).toBeUndefined();
  });

  it('get(name) with a prefix reads PREFIX + NAME', async () => {
    const store = createEnvSecretStore({ prefix: 'WARDEN_', env: { WARDEN_GITHUB_TOKEN: 'a', GITHUB_TOKEN: 'b' } });
    expect(await store.get('github-token')).toBe('a');
    expect(await store.list()).toEqual(['github-token']);
  });

  it('get(name) of a protected variable throws INVALID_INPUT', async () => {
    const store = createEnvSecretStore({ env: { PATH: '/bin' } });
    await expect(store.get('path')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.get('node-options')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.get('ld-preload')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('set(name, value) with a name that is not kebab-case throws INVALID_INPUT and changes nothing', async () => {
    const env: Record<string, string> = {};
    const store = createEnvSecretStore({ env });
    await expect(store.set('GitHub_Token', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.set('a--b', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(env).toEqual({});
  });

  it('treats an empty value as not set in every method', async () => {
    const env: Record<string, string> = { API_KEY: '' };
    const store = createEnvSecretStore({ env });
    expect(await store.get('api-key')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await expect(store.set('api-key', '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('never shows values in errors or inspect output', async () => {
    const store = createEnvSecretStore({ env: { API_KEY: 'super-secret-value' } });
    expect(inspect(store)).not.toContain('super-secret-value');
    expect(String(store)).not.toContain('super-secret-value');
    const error = await store.set('api-key', 'bad\0value').catch((caught: unknown) => caught);
    expect(String((error as Error).message)).not.toContain('bad');
  });
});
