import { inspect } from 'node:util';
import { type Clock, InvalidInputError, REDACTED, type SecretStore, systemClock, toIsoTime } from '@warden/core';

/** Options for {@link createMemorySecretStore}. */
export interface MemorySecretStoreOptions {
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

const SECRET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Same naming rule as `@warden/secrets-env`, so that code tested against this store runs on that one. */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length > 128 || !SECRET_NAME.test(name)) {
    throw new InvalidInputError({
      message: 'Secret name must be kebab-case (like "github-token"), at most 128 characters',
      issues: [{ path: 'name', message: 'must be kebab-case' }],
    });
  }
  return name;
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
 * Creates an in-memory {@link SecretStore} with the same rules as the environment store
 * (kebab-case names, non-empty values without NUL bytes), so tests that swap it in stay honest.
 * Values never appear in errors, call records, `toString()` or `inspect` output.
 *
 * @example
 * const secrets = createMemorySecretStore({ initial: { 'github-token': 'ghs_test' } });
 * await secrets.get('github-token'); // 'ghs_test'
 */
export function createMemorySecretStore(options: MemorySecretStoreOptions = {}): MemorySecretStore {
  const now = options.now ?? systemClock;
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(options.initial ?? {})) secrets.set(checkName(name), checkValue(value));
  const calls: MemorySecretStoreCall[] = [];
  const record = (method: MemorySecretStoreCall['method'], args: unknown[]): void => {
    calls.push({ method, args, at: toIsoTime(now()) });
  };
  const describe = (): string => `MemorySecretStore { ${secrets.size} secrets }`;
  // An invalid name is recorded redacted: swapped arguments (set(value, name)) would put a value in `calls`.
  const shownName = (name: unknown): unknown => {
    try {
      return checkName(name);
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
      return secrets.get(checkName(name));
    },
    async set(name, value) {
      record('set', [shownName(name), REDACTED]);
      const validName = checkName(name);
      secrets.set(validName, checkValue(value));
    },
    async delete(name) {
      record('delete', [shownName(name)]);
      secrets.delete(checkName(name));
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
