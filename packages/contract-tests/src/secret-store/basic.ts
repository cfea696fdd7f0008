import { expect, it } from 'vitest';
import { SECRET_STORE_CONTRACT_NAMES, type SecretStoreSuite } from './harness.js';

const { first, second, never } = SECRET_STORE_CONTRACT_NAMES;

/** Values every store must keep exactly as given. */
const UNUSUAL_VALUES: readonly string[] = [
  'with spaces and "double" and \'single\' quotes',
  'key=value; $(id) `id` $HOME',
  'first line\nsecond line\n',
  'ünïcödé ✓ 秘密 🔑',
  'x'.repeat(65_536),
];

/** get, set, delete and list as the port promises. */
export function registerSecretStoreBasics({ store, capabilities, timeoutMs }: SecretStoreSuite): void {
  it(
    'get(name) of a name never set resolves undefined',
    async () => {
      const secrets = await store();
      expect(await secrets.get(never)).toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'set(name, value) stores the value get(name) returns, and a second set replaces it',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'first-value');
      await secrets.set(second, 'second-value');
      expect(await secrets.get(first)).toBe('first-value');
      await secrets.set(first, 'replaced-value');
      expect(await secrets.get(first)).toBe('replaced-value');
      expect(await secrets.get(second)).toBe('second-value');
    },
    timeoutMs,
  );

  it(
    'set(name, value) keeps quotes, shell characters, newlines, unicode and 64 KiB values exactly',
    async () => {
      const secrets = await store();
      for (const value of UNUSUAL_VALUES) {
        await secrets.set(first, value);
        expect(await secrets.get(first)).toBe(value);
      }
    },
    timeoutMs,
  );

  it(
    'delete(name) removes the secret and is idempotent',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'to-delete');
      await secrets.delete(first);
      await secrets.delete(first);
      await secrets.delete(never);
      expect(await secrets.get(first)).toBeUndefined();
      expect(await secrets.list()).not.toContain(first);
    },
    timeoutMs,
  );

  it(
    'list() returns the names that are set, never their values',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'listed-value-one');
      await secrets.set(second, 'listed-value-two');
      const listed = await secrets.list();
      expect(listed).toEqual(expect.arrayContaining([first, second]));
      expect(listed).not.toContain(never);
      expect(JSON.stringify(listed)).not.toMatch(/listed-value/);

      await secrets.delete(second);
      expect(await secrets.list()).not.toContain(second);
    },
    timeoutMs,
  );

  it(
    'list() names only secrets that get(name) returns, whatever state surrounds the store',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'listed-value');
      // Backends may surround the subject with state that is not a secret (an empty or malformed
      // variable under the store's prefix): list() must never name what get() cannot return.
      for (const name of await secrets.list()) {
        expect(typeof name, JSON.stringify(name)).toBe('string');
        const value = await secrets.get(name);
        expect(typeof value, `get(${JSON.stringify(name)}) of a listed name`).toBe('string');
        if (!capabilities.emptyValues) expect(value, `get(${JSON.stringify(name)})`).not.toBe('');
      }
    },
    timeoutMs,
  );

  it(
    'set(name, value) called concurrently keeps every value',
    async () => {
      const secrets = await store();
      const names = Array.from({ length: 20 }, (_, index) => `warden-contract-concurrent-${index}`);
      await Promise.all(names.map((name, index) => secrets.set(name, `value-${index}`)));
      expect(await Promise.all(names.map((name) => secrets.get(name)))).toEqual(
        names.map((_, index) => `value-${index}`),
      );
      await Promise.all(['a', 'b', 'c'].map((value) => secrets.set(first, value)));
      expect(['a', 'b', 'c']).toContain(await secrets.get(first));
    },
    timeoutMs,
  );
}
