import { inspect } from 'node:util';
import {
  type Clock,
  checkSecretName,
  InvalidInputError,
  QuotaExceededError,
  REDACTED,
  type SecretStore,
  systemClock,
  toIsoTime,
} from '@warden/core';
import { readStubConfig } from './stub-config.js';

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
 * The environment store's room rules (`@warden/secrets-env`), so that a test on this store fails
 * where production would: Linux refuses to start a program once one `NAME=value` passes 128 KiB,
 * so that store refuses such a value (`INVALID_INPUT`), and it refuses growing the environment past
 * 1 MiB (`QUOTA_EXCEEDED`). Here a secret takes what it would as an unprefixed variable.
 */
const MAX_VARIABLE_BYTES = 131_072;
const MAX_STORE_BYTES = 1_048_576;

/** Bytes `name` set to `value` takes as an environment variable: `NAME=value` and its NUL. */
function variableBytes(name: string, value: string | undefined): number {
  return value === undefined ? 0 : Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
}

/** Throws as the environment store would when `secrets` cannot take `name` set to `value`; the value is not quoted. */
function checkRoom(secrets: ReadonlyMap<string, string>, name: string, value: string): void {
  const bytes = variableBytes(name, value);
  if (bytes > MAX_VARIABLE_BYTES) {
    throw new InvalidInputError({
      message: `Secret value too large for an environment variable: NAME=value may take at most ${MAX_VARIABLE_BYTES} bytes, or no program could be started`,
      issues: [{ path: 'value', message: `must fit in ${MAX_VARIABLE_BYTES} bytes with its variable name` }],
    });
  }
  let current = 0;
  for (const [stored, storedValue] of secrets) current += variableBytes(stored, storedValue);
  const next = current - variableBytes(name, secrets.get(name)) + bytes;
  if (next > MAX_STORE_BYTES && next > current) {
    throw new QuotaExceededError({
      message: `The secrets would grow past ${MAX_STORE_BYTES} bytes as environment variables, beyond which programs may no longer start; delete secrets first`,
    });
  }
}

/**
 * Creates an in-memory {@link SecretStore} with the same rules as every other store (names as
 * core's `checkSecretName` accepts them, so `path` or `node-options` are refused here as on the
 * environment store; non-empty values without NUL bytes, as large as the environment store takes),
 * so tests that swap it in stay honest.
 * Values never appear in errors, call records, `toString()` or `inspect` output.
 *
 * @example
 * const secrets = createMemorySecretStore({ initial: { 'github-token': 'ghs_test' } });
 * await secrets.get('github-token'); // 'ghs_test'
 */
export function createMemorySecretStore(options?: MemorySecretStoreConfig): MemorySecretStore {
  const config = readStubConfig(options, 'createMemorySecretStore', { initial: 'object', now: 'function' });
  const now = config.now ?? systemClock;
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(config.initial ?? {})) {
    const validName = checkSecretName(name);
    checkRoom(secrets, validName, checkValue(value));
    secrets.set(validName, value);
  }
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
      const validValue = checkValue(value);
      checkRoom(secrets, validName, validValue);
      secrets.set(validName, validValue);
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
