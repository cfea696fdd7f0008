import { inspect } from 'node:util';
import { InvalidInputError, type SecretStore } from '@warden/core';
import { secretNameForVariable, variableForSecret } from './env-secret-name.js';

/** Options for {@link createEnvSecretStore}. */
export interface EnvSecretStoreOptions {
  /**
   * Prepended to every variable name: with `'WARDEN_'`, `github-token` reads `WARDEN_GITHUB_TOKEN`.
   * Upper-case letters, digits and `_`, starting with a letter; at most 64 characters. Without a
   * prefix `list()` reports every variable of the environment that looks like a secret name.
   * @default ''
   */
  prefix?: string;
  /** The environment to read and write. @default process.env */
  env?: Record<string, string | undefined>;
}

const PREFIX = /^(?:[A-Z][A-Z0-9_]{0,63})?$/;
const SETTINGS = new Set(['prefix', 'env']);

function invalidSetting(path: string, message: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid env secret store settings: ${path} ${message}`,
    issues: [{ path, message }],
  });
}

function parseSettings(options: unknown): { prefix: string; env: Record<string, string | undefined> } {
  if (typeof options !== 'object' || options === null) throw invalidSetting('options', 'must be an object');
  const unknownSetting = Object.keys(options).find((key) => !SETTINGS.has(key));
  if (unknownSetting !== undefined) throw invalidSetting(unknownSetting, 'is not a setting (prefix, env)');
  const { prefix = '', env = process.env } = options as EnvSecretStoreOptions;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw invalidSetting('prefix', 'must be upper-case letters, digits and "_", starting with a letter');
  }
  if (typeof env !== 'object' || env === null) throw invalidSetting('env', 'must be an object');
  return { prefix, env };
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
 * `WARDEN_GITHUB_TOKEN` with `prefix: 'WARDEN_'`).
 *
 * - An empty value counts as "not set" everywhere: `get` returns `undefined`, `list` omits it,
 *   and `set` refuses it with `INVALID_INPUT` (use `delete`).
 * - `set` and `delete` change the given `env` object only (by default this process's
 *   environment, which child processes started afterwards inherit); nothing is persisted.
 * - Names that are not kebab-case, or map onto a variable that steers programs (`PATH`, `HOME`,
 *   `NODE_OPTIONS`, `LD_*`…), throw `INVALID_INPUT` in every method. Values never appear in
 *   errors or in `inspect`/`toString` output.
 *
 * @throws `InvalidInputError` (from `@warden/core`) for an unknown setting, a malformed prefix or a non-object `env`.
 */
export function createEnvSecretStore(options: EnvSecretStoreOptions = {}): SecretStore {
  const { prefix, env } = parseSettings(options);
  const describe = (): string => `EnvSecretStore { prefix: ${JSON.stringify(prefix)} }`;
  const store: SecretStore & { toString(): string; [inspect.custom](): string } = {
    specificationVersion: 'secret-store-v1',
    providerId: 'env',
    async get(name) {
      const value = env[variableForSecret(name, prefix)];
      return value === undefined || value === '' ? undefined : value;
    },
    async set(name, value) {
      const variable = variableForSecret(name, prefix);
      checkValue(value);
      env[variable] = value;
    },
    async delete(name) {
      delete env[variableForSecret(name, prefix)];
    },
    async list() {
      return Object.keys(env)
        .filter((variable) => env[variable] !== undefined && env[variable] !== '')
        .map((variable) => secretNameForVariable(variable, prefix))
        .filter((name): name is string => name !== undefined)
        .sort();
    },
    toString: describe,
    [inspect.custom]: describe,
  };
  return store;
}
