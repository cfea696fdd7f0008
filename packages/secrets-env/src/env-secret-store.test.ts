import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnvSecretStore } from './env-secret-store.js';

describe('createEnvSecretStore(config)', () => {
  it('get(name) reads the UPPER_SNAKE_CASE variable of a kebab-case name', async () => {
    const store = createEnvSecretStore({ env: { GITHUB_TOKEN: 'ghs_value' } });
    expect(await store.get('github-token')).toBe('ghs_value');
    expect(await store.get('missing-secret')).toBeUndefined();
  });

  it('get(name) with a prefix reads PREFIX + NAME, and list() only sees prefixed variables', async () => {
    const store = createEnvSecretStore({ prefix: 'WARDEN_', env: { WARDEN_GITHUB_TOKEN: 'a', GITHUB_TOKEN: 'b' } });
    expect(await store.get('github-token')).toBe('a');
    expect(await store.list()).toEqual(['github-token']);
  });

  it('set(name, value) and delete(name) change the given env object only', async () => {
    const env: Record<string, string> = {};
    const store = createEnvSecretStore({ prefix: 'WARDEN_', env });
    await store.set('api-key', 'value-1');
    expect(env).toEqual({ WARDEN_API_KEY: 'value-1' });
    await store.delete('api-key');
    expect(env).toEqual({});
  });

  it('get(name) of a protected variable throws INVALID_INPUT; set and delete are refused (not writable) and change nothing', async () => {
    const env: Record<string, string> = { PATH: '/bin' };
    const store = createEnvSecretStore({ writableNames: ['api-key'], env });
    for (const name of [
      'path',
      'home',
      'node-options',
      'ld-preload',
      'https-proxy',
      'git-ssh-command',
      'npm-config-registry',
    ]) {
      await expect(store.get(name), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      // Names every store refuses are INVALID_INPUT before the write check; the rest ACCESS_DENIED.
      const refused = { code: expect.stringMatching(/^(ACCESS_DENIED|INVALID_INPUT)$/) };
      await expect(store.set(name, 'x'), name).rejects.toMatchObject(refused);
      await expect(store.delete(name), name).rejects.toMatchObject(refused);
    }
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('createEnvSecretStore({ prefix }) with a prefix in a namespace programs read, or not ending in _, throws INVALID_INPUT naming prefix', () => {
    for (const prefix of [
      'NODE_',
      'GIT_',
      'GI',
      'G',
      'LD_',
      'PYTHON',
      'SSL_',
      'XDG_',
      'CARGO_',
      'PA',
      'WARDEN',
      'A_',
    ]) {
      expect(() => createEnvSecretStore({ prefix, env: {} }), prefix).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'prefix' })] }),
      );
    }
    expect(() => createEnvSecretStore({ prefix: 'MYAPP_', env: {} })).not.toThrow();
  });

  it('createEnvSecretStore({ writableNames }) with a name that maps onto a protected variable throws INVALID_INPUT naming it', () => {
    expect(() => createEnvSecretStore({ writableNames: ['api-key', 'git-external-diff'], env: {} })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'writableNames.1' })] }),
    );
    expect(() => createEnvSecretStore({ prefix: 'NODE_', writableNames: ['options'], env: {} })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'writableNames.0' })] }),
    );
    expect(() => createEnvSecretStore({ writableNames: 'api-key' } as never)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'writableNames' })] }),
    );
  });

  it('set(name, value) with a name that is not kebab-case throws INVALID_INPUT and changes nothing', async () => {
    const env: Record<string, string> = {};
    const store = createEnvSecretStore({ env });
    for (const name of ['GitHub_Token', 'a--b', '-a', 'a-', '1password', 'with space', 'x'.repeat(129)]) {
      await expect(store.set(name, 'x'), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(env).toEqual({});
  });

  it('list() without a prefix reports only variables that map back from a kebab-case name', async () => {
    const env = {
      GITHUB_TOKEN: 'a',
      PATH: '/bin',
      LD_PRELOAD: 'x.so',
      npm_config_cache: '/c',
      DOUBLE__UNDERSCORE: 'x',
      '1ABC': 'x',
      UNSET: undefined,
      EMPTY: '',
    };
    expect(await createEnvSecretStore({ env }).list()).toEqual(['github-token']);
  });

  it('treats an empty value as not set in every method', async () => {
    const env: Record<string, string> = { API_KEY: '' };
    const store = createEnvSecretStore({ writableNames: ['api-key'], env });
    expect(await store.get('api-key')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await expect(store.set('api-key', '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.delete('api-key')).resolves.toBeUndefined();
    expect(env).toEqual({});
  });

  it('never shows values in errors, inspect, JSON or string output', async () => {
    const store = createEnvSecretStore({ writableNames: ['api-key'], env: { API_KEY: 'super-secret-value' } });
    expect(inspect(store, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain('super-secret-value');
    expect(String(store)).not.toContain('super-secret-value');
    expect(JSON.stringify(store)).not.toContain('super-secret-value');
    expect(JSON.stringify(store)).toContain('[redacted]');
    const error = await store.set('api-key', 'bad\0value').catch((caught: unknown) => caught);
    expect(String((error as Error).message)).not.toContain('bad');
    const swapped = await store.set('ghp_Secret_Value_123', 'api-key').catch((caught: unknown) => caught);
    expect(swapped).toMatchObject({ code: 'INVALID_INPUT' });
    expect(String((swapped as Error).message)).not.toContain('ghp_Secret_Value_123');
  });

  // The attacker here reads errors: a value passed where a name belongs (a kebab-case passphrase
  // that happens to map onto a protected variable) must not come back in the error, in any case.
  it('get(name) of a name that maps onto a protected variable throws INVALID_INPUT without quoting the name or its variable', async () => {
    const store = createEnvSecretStore({ env: {} });
    const error = (await store.get('rubyslippers-tornado-42').catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(error.message.toLowerCase()).not.toContain('rubyslippers');
    expect(JSON.stringify(error).toLowerCase()).not.toContain('rubyslippers');
  });

  // The same reader, with a value that maps onto a variable every SecretStore refuses (core's
  // shared rule: NODE_OPTIONS, LD_*…): that rule's error quoted the variable, the value upper-cased.
  it('get, set and delete of a name every store refuses (ld-…, node-options) throw INVALID_INPUT without quoting it or its variable', async () => {
    const stores = [
      createEnvSecretStore({ env: {} }),
      createEnvSecretStore({ prefix: 'MYAPP_', env: {} }),
      createEnvSecretStore({ writableNames: ['api-key'], env: {} }),
    ];
    for (const store of stores) {
      for (const swappedValue of ['ld-preload-s3cr3t-value', 'node-options', 'git-config-s3cr3t']) {
        const calls = [
          () => store.get(swappedValue),
          () => store.set(swappedValue, 'api-key'),
          () => store.delete(swappedValue),
        ];
        for (const call of calls) {
          const error = (await call().catch((caught: unknown) => caught)) as Error;
          expect(error).toMatchObject({ code: 'INVALID_INPUT' });
          const shown = `${error.message} ${JSON.stringify(error)} ${inspect(error)}`.toLowerCase();
          expect(shown).not.toContain(swappedValue.replaceAll('-', '_'));
          expect(shown).not.toContain(swappedValue);
        }
      }
    }
  });

  // An env object the host filled by hand (`{ PORT: 8080 }`): set() threw Node's untyped
  // ERR_INVALID_ARG_TYPE quoting that other variable's value, and get() returned a number.
  it('an env holding a non-string value: set still works, get and list return strings only, no untyped error', async () => {
    const env = { PORT: 8080, DEBUG_LEVEL: true, API_KEY: 'k' } as unknown as Record<string, string | undefined>;
    const store = createEnvSecretStore({ env, writableNames: ['api-key'] });
    await expect(store.set('api-key', 'new-value')).resolves.toBeUndefined();
    expect(env.API_KEY).toBe('new-value');
    await expect(store.get('port')).resolves.toBeUndefined();
    await expect(store.list()).resolves.toEqual(['api-key']);
  });

  it('createEnvSecretStore(config) with an unknown setting or a malformed prefix throws INVALID_INPUT naming it', () => {
    const create = createEnvSecretStore as (config: unknown) => unknown;
    expect(() => create({ prefx: 'WARDEN_' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'prefx' })] }),
    );
    expect(() => create({ prefix: 'warden_' })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'prefix' })] }),
    );
    expect(() => create({ env: 'PATH=/bin' })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'env' })] }),
    );
    expect(() => create(null)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('createEnvSecretStore() on process.env', () => {
  const variable = 'WARDEN_SECRETS_ENV_TEST_VALUE';
  afterEach(() => {
    delete process.env[variable];
  });

  it('set(name, value) writes process.env by default, so child processes started later inherit it', async () => {
    const store = createEnvSecretStore({ prefix: 'WARDEN_SECRETS_ENV_' });
    await store.set('test-value', 'in-process');
    expect(process.env[variable]).toBe('in-process');
    expect(await store.list()).toContain('test-value');
    await store.delete('test-value');
    expect(process.env[variable]).toBeUndefined();
  });
});
