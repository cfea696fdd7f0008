import { inspect } from 'node:util';
import {
  type Clock,
  checkSecretName,
  InvalidInputError,
  REDACTED,
  type SecretStore,
  systemClock,
  toIsoTime,
} from '@warden/core';

/** Configuration of {@link createMemorySecretStore}. */
export interface MemorySecretStoreConfig {
  /** Secrets to start with, by kebab-case name; validated like `set`. @default {} */
  initial?: Record<string, string>;
  /** Time source for call records. @default Date.now */
  now?: Clock;
}

/** One call the store received, for assertions. The value given to `set` is recorded as `[REDACTED]`. */
export interface MemorySecretStoreCall {
  /** The method called. */
  method: 'get' | 'set' | 'delete' | 'list';
  /** Its arguments, as given, with any value replaced by `[REDACTED]`. */
  args: unknown[];
  /** When it was called (ISO-8601, from `now`). */
  at: string;
}

/** The in-memory secret store, with the calls it received. */
export interface MemorySecretStore extends SecretStore {
  /** Every call, in order, including refused ones. */
  readonly calls: readonly MemorySecretStoreCall[];
}

function checkValue(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new InvalidInputError({
      message: 'Secret value must be a non-empty string without NUL bytes (use delete() to remove a secret)',
      issues: [{ path: 'value', message: 'must be a non-empty string without NUL' }],
    });
  }
  return value;
}

/**
 * Creates an in-memory {@link SecretStore} with the same rules as every other store (names as
 * core's `checkSecretName` accepts them, so `path` or `node-options` are refused here as on the
 * environment store; non-empty values without NUL bytes), so tests that swap it in stay honest.
 * Values never appear in errors, call records, `toString()` or `inspect` output.
 *
 * @example
 * const secrets = createMemorySecretStore({ initial: { 'github-token': 'ghs_test' } });
 * await secrets.get('github-token'); // 'ghs_test'
 */
export function createMemorySecretStore(config: MemorySecretStoreConfig = {}): MemorySecretStore {
  const now = config.now ?? systemClock;
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(config.initial ?? {}))
    secrets.set(checkSecretName(name), checkValue(value));
  const calls: MemorySecretStoreCall[] = [];
  const record = (method: MemorySecretStoreCall['method'], args: unknown[]): void => {
    calls.push({ method, args, at: toIsoTime(now()) });
  };
  const describe = (): string => `MemorySecretStore { ${secrets.size} secrets }`;

  // A refused name is recorded redacted: swapped arguments (set(value, name)) would put a value in `calls`.
  const shownName = (name: unknown): unknown => {
    try {
      return checkSecretName(name);
    } catch {
      return REDACTED;
    }
  };

  const store: MemorySecretStore & { toString(): string; [inspect.custom](): string } = {
    specificationVersion: 'secret-store-v1',
    providerId: 'memory',
    calls,
    async get(name) {
      record('get', [shownName(name)]);
      return secrets.get(checkSecretName(name));
    },
    async set(name, value) {
      record('set', [shownName(name), REDACTED]);
      const validName = checkSecretName(name);
      secrets.set(validName, checkValue(value));
    },
    async delete(name) {
      record('delete', [shownName(name)]);
      secrets.delete(checkSecretName(name));
    },
    async list() {
      record('list', []);
      return [...secrets.keys()].sort();
    },
    toString: describe,
    [inspect.custom]: describe,
  };
  return store;
}
