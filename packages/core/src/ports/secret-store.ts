/**
 * The `SecretStore` port.
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import type { ProviderIdentity } from './specification.js';

/**
 * Named secrets.
 *
 * An implementation must:
 * - accept exactly the names {@link checkSecretName} accepts, in every method, so that code
 *   tested against one store runs on any other; throw `InvalidInputError` for any other name,
 *   before doing anything;
 * - return `undefined` from `get` for an unknown name;
 * - make `delete` idempotent;
 * - list names, never values, from `list`;
 * - never put a value into an error, a log line, an event or `toString()` output (nor a name
 *   refused as malformed: swapped arguments put a value where the name belongs).
 */
export interface SecretStore extends ProviderIdentity<'secret-store-v1'> {
  /** The secret's value, or `undefined` when it is not set. */
  get(name: string): Promise<string | undefined>;
  /** Sets (or replaces) a secret. */
  set(name: string, value: string): Promise<void>;
  /** Removes a secret; idempotent. */
  delete(name: string): Promise<void>;
  /** The names of the secrets that are set. */
  list(): Promise<string[]>;
}

const SECRET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_SECRET_NAME_LENGTH = 128;

/**
 * Environment variables that steer programs rather than hold secrets (search paths, shells,
 * loaders, runtimes, proxies, TLS trust). No secret name may map onto one, in any store: a store
 * on environment variables would otherwise let whoever names a secret redirect every program the
 * process starts, and a name one store accepts must work in every other.
 */
const PROTECTED_VARIABLES: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'PWD',
  'OLDPWD',
  'TMPDIR',
  'TMP',
  'TEMP',
  'IFS',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'PS4',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_ENV',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_V8_COVERAGE',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PERL5LIB',
  'PERL5OPT',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'DOCKER_HOST',
]);
const PROTECTED_PREFIXES: readonly string[] = ['LD_', 'DYLD_', 'NPM_CONFIG_', 'GIT_CONFIG', '_JAVA_'];

/**
 * Returns `name` when every `SecretStore` can hold it: kebab-case (lower-case letters, digits and
 * single dashes, starting with a letter), at most 128 characters, and not mapping onto an
 * environment variable that steers programs (`path`, `home`, `node-options`, `ld-preload`…).
 *
 * @throws {@link InvalidInputError} otherwise; the message never quotes the name (swapped
 * arguments would put a secret value there).
 */
export function checkSecretName(name: unknown): string {
  if (typeof name !== 'string' || name.length > MAX_SECRET_NAME_LENGTH || !SECRET_NAME.test(name)) {
    throw new InvalidInputError({
      message:
        'Secret name must be kebab-case (like "github-token"): lower-case letters, digits and single dashes, at most 128 characters',
      issues: [{ path: 'name', message: 'must be kebab-case' }],
    });
  }
  const variable = name.toUpperCase().replaceAll('-', '_');
  if (PROTECTED_VARIABLES.has(variable) || PROTECTED_PREFIXES.some((prefix) => variable.startsWith(prefix))) {
    // Not even the variable is quoted: it is the name upper-cased, and swapped arguments
    // (`set(value, name)`) would put a secret value there.
    throw new InvalidInputError({
      message: 'Secret name maps onto an environment variable that steers programs, which is protected',
      issues: [{ path: 'name', message: 'maps onto a protected environment variable' }],
    });
  }
  return name;
}
