import { inspect } from 'node:util';
import { AccessDeniedError, checkSecretName, InvalidInputError, type SecretStore } from '@warden/core';
import {
  assertSecretName,
  overlapsProtectedNamespace,
  secretNameForVariable,
  variableForSecret,
} from './env-secret-name.js';
import { checkEnvironmentRoom } from './env-size.js';

/** Configuration of {@link createEnvSecretStore}. */
export interface EnvSecretStoreConfig {
  /**
   * Prepended to every variable name: with `'MYAPP_'`, `github-token` reads `MYAPP_GITHUB_TOKEN`.
   * Upper-case letters, digits and `_`, starting with a letter; at most 64 characters. Without a
   * prefix `list()` reports every variable of the environment that looks like a secret name.
   *
   * A prefix is also what lets `set` and `delete` write (unless `writableNames` narrows them): it
   * must then be the application's own namespace, ending in `_` and overlapping no namespace
   * programs read (`GIT_`, `NODE_`, `LD_`, `PYTHON`…), or the factory throws `INVALID_INPUT`.
   * @default ''
   */
  prefix?: string;
  /**
   * The only secret names `set` and `delete` may change (under the prefix, if any). With it the
   * prefix may be empty. Each must be kebab-case and map onto no protected variable.
   * @default every name under a non-empty prefix; none (read-only) without a prefix
   */
  writableNames?: string[];
  /** The environment to read and write. @default process.env */
  env?: Record<string, string | undefined>;
}

/** {@link EnvSecretStoreConfig} after parsing; `writable` says what `set` and `delete` may change. */
interface ParsedEnvSecretStoreConfig {
  prefix: string;
  env: Record<string, string | undefined>;
  writable: 'prefix' | ReadonlySet<string> | 'none';
}

const PREFIX = /^(?:[A-Z][A-Z0-9_]{0,63})?$/;
const SETTINGS = new Set(['prefix', 'writableNames', 'env']);
const REDACTED = '[redacted]';

function invalidSetting(path: string, message: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid env secret store settings: ${path} ${message}`,
    issues: [{ path, message }],
  });
}

function parseSettings(config: unknown): ParsedEnvSecretStoreConfig {
  if (typeof config !== 'object' || config === null) throw invalidSetting('config', 'must be an object');
  const unknownSetting = Object.keys(config).find((key) => !SETTINGS.has(key));
  if (unknownSetting !== undefined)
    throw invalidSetting(unknownSetting, 'is not a setting (prefix, writableNames, env)');
  // Own fields only: an Object.prototype.writableNames or .env set by another library must not
  // make a read-only store writable, or serve secrets from an object of its choosing.
  const own: EnvSecretStoreConfig = Object.assign(Object.create(null), config);
  const { prefix = '', env = process.env, writableNames } = own;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalidSetting('prefix', 'must be upper-case letters, digits and "_", starting with a letter');
  }
  if (typeof env !== 'object' || env === null) throw invalidSetting('env', 'must be an object');
  if (writableNames !== undefined) return { prefix, env, writable: parseWritableNames(writableNames, prefix) };
  if (prefix === '') return { prefix, env, writable: 'none' };
  if (!prefix.endsWith('_') || prefix.length < 3 || overlapsProtectedNamespace(prefix)) {
    throw invalidSetting(
      'prefix',
      'must be the application\'s own namespace to write under (ending in "_", like MYAPP_), not one programs read (GIT_, NODE_, LD_…); or give writableNames',
    );
  }
  return { prefix, env, writable: 'prefix' };
}

function parseWritableNames(writableNames: unknown, prefix: string): ReadonlySet<string> {
  if (!Array.isArray(writableNames)) throw invalidSetting('writableNames', 'must be an array of secret names');
  writableNames.forEach((name: unknown, index) => {
    try {
      variableForSecret(name, prefix);
    } catch {
      throw invalidSetting(`writableNames.${index}`, 'must be a kebab-case name that maps onto no protected variable');
    }
  });
  return new Set(writableNames as string[]);
}

function checkValue(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new InvalidInputError({
      message: 'Secret value must be a non-empty string without NUL bytes (use delete() to remove a secret)',
      issues: [{ path: 'value', message: 'must be a non-empty string without NUL' }],
    });
  }
}

/**
 * Creates a {@link SecretStore} on environment variables. Names are kebab-case and map onto
 * UPPER_SNAKE_CASE variables, with an optional prefix (`github-token` → `GITHUB_TOKEN`, or
 * `MYAPP_GITHUB_TOKEN` with `prefix: 'MYAPP_'`).
 *
 * - **Writes only where told.** `set` and `delete` change a variable only under a `prefix` that
 *   is the application's own namespace, or one of `writableNames`. Without either the store is
 *   read-only and they throw `AccessDeniedError` (`ACCESS_DENIED`): whoever controls a secret
 *   name can never reach a variable a program reads (`GIT_EXTERNAL_DIFF`, `LD_PRELOAD`…).
 * - Names that map onto a variable that steers programs (`PATH`, `NODE_OPTIONS`, `GIT_*`,
 *   `LD_*`…) throw `INVALID_INPUT` in every method: a second line behind the first.
 * - An empty value counts as "not set" everywhere: `get` returns `undefined`, `list` omits it,
 *   and `set` refuses it with `INVALID_INPUT` (use `delete`).
 * - `set` keeps the environment one programs can still be started with: a value whose
 *   `NAME=value` passes 128 KiB is `INVALID_INPUT`, one that would grow the environment past
 *   1 MiB is `QUOTA_EXCEEDED`.
 * - `set` and `delete` change the given `env` object only (by default this process's
 *   environment, which child processes started afterwards inherit); nothing is persisted.
 * - Values never appear in errors or in `inspect`, `JSON.stringify` or `toString` output; the
 *   environment is held in a closure.
 *
 * @throws `InvalidInputError` (from `@warden/core`) for an unknown setting, a malformed prefix, a
 * prefix that is not an application's own namespace, a bad writable name or a non-object `env`.
 */
export function createEnvSecretStore(config: EnvSecretStoreConfig = {}): SecretStore {
  const { prefix, env, writable } = parseSettings(config);
  // A name every SecretStore refuses is INVALID_INPUT here too (the port's shared rule); for
  // the rest, whether the store may write decides before its own wider protected list.
  const writableVariable = (name: unknown): string => {
    assertSecretName(name);
    checkSecretName(name);
    if (writable === 'prefix' || (writable !== 'none' && writable.has(name))) return variableForSecret(name, prefix);
    throw new AccessDeniedError({
      message:
        writable === 'none'
          ? 'This env secret store is read-only: give it a prefix (your application namespace) or writableNames to let it write'
          : // The name is not quoted: swapped arguments (set(value, name)) would put a value here.
            "This secret name is not one of this env secret store's writableNames",
    });
  };
  const description = {
    providerId: 'env',
    prefix,
    writable: writable === 'prefix' ? `${prefix}*` : writable === 'none' ? 'none' : [...writable],
    values: REDACTED,
  };
  const describe = (): string => `EnvSecretStore ${JSON.stringify(description)}`;
  const store: SecretStore & { toString(): string; toJSON(): object; [inspect.custom](): string } = {
    specificationVersion: 'secret-store-v1',
    providerId: 'env',
    async get(name) {
      const value: unknown = env[variableForSecret(name, prefix)];
      // Only a non-empty string is a secret (an `env` filled by hand may hold a number).
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
    async set(name, value) {
      const variable = writableVariable(name);
      checkValue(value);
      // An environment too large for execve would leave the process unable to start any program.
      checkEnvironmentRoom(env, variable, value);
      env[variable] = value;
    },
    async delete(name) {
      delete env[writableVariable(name)];
    },
    async list() {
      return Object.keys(env)
        .filter((variable) => typeof env[variable] === 'string' && env[variable] !== '')
        .map((variable) => secretNameForVariable(variable, prefix))
        .filter((name): name is string => name !== undefined)
        .sort();
    },
    toString: describe,
    toJSON: () => description,
    [inspect.custom]: describe,
  };
  return store;
}
