import { checkSecretName, InvalidInputError } from '@warden/core';

const SECRET_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 128;

/**
 * Variables that steer programs rather than hold secrets (search paths, shells, loaders, runtimes,
 * proxies, TLS trust). A secret name may never map onto one: `set('path', …)` would otherwise
 * let whoever controls a secret name redirect every program this process starts.
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

/** Converts a kebab-case secret name to its UPPER_SNAKE_CASE variable name: `github-token` → `GITHUB_TOKEN`. */
export function toEnvironmentVariableName(name: string, prefix = ''): string {
  return `${prefix}${name.toUpperCase().replaceAll('-', '_')}`;
}

/** True when `variable` steers programs and may not be read or written as a secret. */
export function isProtectedVariable(variable: string): boolean {
  return PROTECTED_VARIABLES.has(variable) || PROTECTED_PREFIXES.some((prefix) => variable.startsWith(prefix));
}

/** True for a kebab-case secret name of at most 128 characters. */
function isSecretName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && SECRET_NAME.test(name);
}

/**
 * The variable a secret name maps onto, or `INVALID_INPUT`. An invalid name is not quoted in
 * the error: swapped arguments would put a secret value there.
 */
export function variableForSecret(name: unknown, prefix: string): string {
  // The rule every SecretStore shares, on the name itself: a prefix never makes `path` acceptable.
  checkSecretName(name);
  if (!isSecretName(name)) {
    throw new InvalidInputError({
      message:
        'Secret name must be kebab-case (like "github-token"): lower-case letters, digits and single dashes, at most 128 characters',
      issues: [{ path: 'name', message: 'must be kebab-case' }],
    });
  }
  const variable = toEnvironmentVariableName(name, prefix);
  if (isProtectedVariable(variable)) {
    throw new InvalidInputError({
      message: `Secret name "${name}" maps onto ${variable}, which steers programs and is protected`,
      issues: [{ path: 'name', message: 'maps onto a protected environment variable' }],
    });
  }
  return variable;
}

/** The secret name a variable stands for under `prefix`, or `undefined` when it is not one. */
export function secretNameForVariable(variable: string, prefix: string): string | undefined {
  if (!variable.startsWith(prefix) || isProtectedVariable(variable)) return undefined;
  const name = variable.slice(prefix.length).toLowerCase().replaceAll('_', '-');
  return isSecretName(name) && isSharedSecretName(name) && toEnvironmentVariableName(name, prefix) === variable
    ? name
    : undefined;
}

function isSharedSecretName(name: string): boolean {
  try {
    checkSecretName(name);
    return true;
  } catch {
    return false;
  }
}
