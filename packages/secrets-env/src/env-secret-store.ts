import { inspect } from 'node:util';
import { InvalidInputError, type SecretStore } from '@warden/core';

/** Options for {@link createEnvSecretStore}. */
export interface EnvSecretStoreOptions {
  /**
   * Prepended to every variable name: with `'WARDEN_'`, `github-token` reads `WARDEN_GITHUB_TOKEN`.
   * Must be upper-case letters, digits and `_`. Without a prefix `list()` sees the whole environment.
   * @default ''
   */
  prefix?: string;
  /** The environment to read and write. @default process.env */
  env?: Record<string, string | undefined>;
}

const SECRET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 128;
const PREFIX = /^(?:[A-Z][A-Z0-9_]*)?$/;

/** Variables that steer processes rather than hold secrets; a secret name may never map onto one. */
const PROTECTED_VARIABLES: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'SHELL',
  'PWD',
  'TMPDIR',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'IFS',
  'ENV',
  'BASH_ENV',
]);
const PROTECTED_PREFIXES = ['LD_', 'DYLD_', 'NPM_CONFIG_'];

/** Converts a kebab-case secret name to its UPPER_SNAKE_CASE variable name: `github-token` → `GITHUB_TOKEN`. */
export function toEnvironmentVariableName(name: string, prefix = ''): string {
  return `${prefix}${name.toUpperCase().replaceAll('-', '_')}`;
}

function isProtected(variable: string): boolean {
  return PROTECTED_VARIABLES.has(variable) || PROTECTED_PREFIXES.some((prefix) => variable.startsWith(prefix));
}

function variableFor(name: unknown, prefix: string): string {
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !SECRET_NAME.test(name)) {
    throw new InvalidInputError({
      message: `Secret name ${JSON.stringify(String(name).slice(0, 64))} is not kebab-case (like "github-token")`,
      issues: [{ path: 'name', message: 'must be kebab-case: lower-case letters, digits and single dashes' }],
    });
  }
  const variable = toEnvironmentVariableName(name, prefix);
  if (isProtected(variable)) {
    throw new InvalidInputError({
      message: `Secret name "${name}" maps onto the protected variable ${variable}`,
      issues: [{ path: 'name', message: 'maps onto a protected environment variable' }],
    });
  }
  return variable;
}

/**
 * Creates a {@link SecretStore} on environment variables. Names are kebab-case and map onto
 * UPPER_SNAKE_CASE variables, with an optional prefix.
 *
 * - An empty value counts as "not set" everywhere: `get` returns `undefined`, `list` omits it,
 *   and `set` refuses it with `INVALID_INPUT` (use `delete`).
 * - `set` and `delete` change the given `env` object only (by default this process's
 *   environment, which child processes started afterwards inherit); nothing is persisted.
 * - Names that are not kebab-case, or map onto a protected variable (`PATH`, `HOME`,
 *   `NODE_OPTIONS`, `LD_*`…), throw `INVALID_INPUT`. Values never appear in errors or in
 *   `inspect`/`toString` output.
 */
export function createEnvSecretStore(options: EnvSecretStoreOptions = {}): SecretStore {
  const prefix = options.prefix ?? '';
  if (!PREFIX.test(prefix)) {
    throw new InvalidInputError({
      message: 'Secret store prefix must be upper-case letters, digits and "_"',
      issues: [{ path: 'prefix', message: 'must match /^[A-Z][A-Z0-9_]*$/' }],
    });
  }
  const env = options.env ?? process.env;
  const describe = (): string => `EnvSecretStore { prefix: ${JSON.stringify(prefix)} }`;
  return {
    specificationVersion: 'secret-store-v1',
    providerId: 'env',
    async get(name) {
      const value = env[variableFor(name, prefix)];
      return value === undefined || value === '' ? undefined : value;
    },
    async set(name, value) {
      const variable = variableFor(name, prefix);
      if (typeof value !== 'string' || value === '' || value.includes('\0')) {
        throw new InvalidInputError({
          message: `Secret "${name}" needs a non-empty value without NUL bytes`,
          issues: [{ path: 'value', message: 'must be a non-empty string without NUL' }],
        });
      }
      env[variable] = value;
    },
    async delete(name) {
      delete env[variableFor(name, prefix)];
    },
    async list() {
      return Object.keys(env)
        .filter((variable) => variable.startsWith(prefix) && env[variable] !== undefined && env[variable] !== '')
        .map((variable) => ({ variable, name: variable.slice(prefix.length).toLowerCase().replaceAll('_', '-') }))
        .filter(({ variable, name }) => SECRET_NAME.test(name) && !isProtected(variable))
        .filter(({ variable, name }) => toEnvironmentVariableName(name, prefix) === variable)
        .map(({ name }) => name)
        .sort();
    },
    toString: describe,
    [inspect.custom]: describe,
  } as SecretStore;
}
