import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { SECRET_STORE_CONTRACT_NAMES, type SecretStoreSuite, untyped } from './harness.js';

const { first, second, never } = SECRET_STORE_CONTRACT_NAMES;

/**
 * Names every store refuses: not kebab-case, too long, paths, or mapping onto an environment
 * variable that steers programs. One store accepting what another refuses breaks code moved
 * from a test store to production.
 */
const REFUSED_NAMES: readonly string[] = [
  'PATH',
  '../../etc/passwd',
  'My Token',
  'path',
  'home',
  'node-options',
  'ld-preload',
  'dyld-insert-libraries',
  'npm-config-registry',
  'git-config-global',
  'bash-env',
  'https-proxy',
  'github_token',
  'GitHub-token',
  'github-token ',
  ' github-token',
  '-github-token',
  'github-token-',
  'github--token',
  '1password',
  'github.token',
  'github/token',
  'github-token\n',
  'é-token',
  'a'.repeat(129),
];

/** Names every store accepts, some of them close to refused ones. */
const ACCEPTED_NAMES: readonly string[] = [
  'github-token',
  'a',
  'x1',
  'aws-secret-access-key',
  'path-extra',
  'my-home',
  'ld',
  'node-optionsx',
  'a'.repeat(128),
];

/** The names rule every store shares, and state that is not the store's own never leaking in. */
export function registerSecretStoreNames({ store, timeoutMs }: SecretStoreSuite): void {
  it(
    'names its port version and provider',
    async () => {
      const secrets = await store();
      expect(secrets.specificationVersion).toBe('secret-store-v1');
      expect(secrets.providerId).toMatch(/\S/);
    },
    timeoutMs,
  );

  it(
    'get(name), set(name, value) and delete(name) refuse every name some store cannot hold with INVALID_INPUT',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'kept-value');
      const before = await secrets.list();
      for (const name of REFUSED_NAMES) {
        const label = JSON.stringify(name);
        await expectWardenError(() => untyped(secrets).set(name, 'value'), 'INVALID_INPUT', `set ${label}`);
        await expectWardenError(() => untyped(secrets).get(name), 'INVALID_INPUT', `get ${label}`);
        await expectWardenError(() => untyped(secrets).delete(name), 'INVALID_INPUT', `delete ${label}`);
      }
      expect(await secrets.list()).toEqual(before);
      expect(await secrets.get(first)).toBe('kept-value');
    },
    timeoutMs,
  );

  it(
    'set(name, value) accepts every name all stores can hold, and get, list and delete find it',
    async () => {
      const secrets = await store();
      for (const [index, name] of ACCEPTED_NAMES.entries()) {
        await secrets.set(name, `value-${index}`);
        expect(await secrets.get(name), name).toBe(`value-${index}`);
      }
      expect(await secrets.list()).toEqual(expect.arrayContaining([...ACCEPTED_NAMES]));
      for (const name of ACCEPTED_NAMES) await secrets.delete(name);
      for (const name of ACCEPTED_NAMES) expect(await secrets.get(name), name).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'a fresh store holds none of the names the suite uses, whatever state surrounds it',
    async () => {
      const secrets = await store();
      // Backends may surround the subject with state that is not its own (an unprefixed variable of
      // the same name, another key prefix): none of it may be read, listed or deleted through the store.
      for (const name of [first, second, never]) expect(await secrets.get(name), name).toBeUndefined();
      const listed = await secrets.list();
      for (const name of [first, second, never]) expect(listed, name).not.toContain(name);
      await secrets.set(first, 'own-value');
      await secrets.delete(first);
      expect(await secrets.get(first)).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'set(name, value) with a refused value never quotes the value in the error',
    async () => {
      const secrets = await store();
      const values = ['Warden_Refused_Value_\0_8c1f', '\0Warden_Refused_Value_8c1f'];
      for (const value of values) {
        const error = await expectWardenError(() => secrets.set(first, value), 'INVALID_INPUT');
        const text = `${error.message}\n${error.stack}\n${JSON.stringify(error)}\n${JSON.stringify((error as { issues?: unknown }).issues ?? [])}`;
        expect(text.includes('Warden_Refused_Value'), 'a part of the refused value appears in the error').toBe(false);
      }
      const named = await expectWardenError(
        () => untyped(secrets).set('My Token', 'Warden_Other_Value_8c1f'),
        'INVALID_INPUT',
      );
      expect(`${named.message}\n${JSON.stringify(named)}`.includes('Warden_Other_Value')).toBe(false);
      expect(await secrets.get(first)).toBeUndefined();
    },
    timeoutMs,
  );
}
