/**
 * How commands reach a codespace. The REST API has no exec endpoint, so `execute` goes through
 * a pluggable transport; the default one runs `gh codespace ssh`. Any other (an SSH client over
 * `gh codespace ssh --stdio`, a Dev Tunnels client, …) implements {@link CodespaceExecTransport}.
 *
 * @module
 */
import { type ExecResult, InvalidInputError, type SandboxCommand } from '@warden/core';

/** One command for a transport to run, fully resolved by the sandbox. */
export interface CodespaceExecRequest {
  /** The codespace's name (the sandbox id). */
  codespace: string;
  /** A string for `/bin/sh -c`, or an argv run without a shell. Already validated. */
  command: SandboxCommand;
  /** Working directory inside the codespace. */
  cwd?: string;
  /** Environment variables for the command: the sandbox's, overlaid by the call's. Names are valid identifiers. */
  env: Readonly<Record<string, string>>;
  /** Written to the command's standard input, which is then closed (closed at once when absent). */
  stdin?: string;
  /** Wall-clock limit; the transport kills the command when it is reached and reports `timedOut`. */
  timeoutMs: number;
  /** Cap on captured bytes per stream; beyond it output is dropped and `truncated` is set. */
  maxOutputBytes: number;
  /** Aborting kills the command, like a timeout. */
  signal?: AbortSignal;
}

/**
 * Runs commands in a codespace. An implementation must never pass the command through a shell
 * on the host, must enforce `timeoutMs`, `signal` and `maxOutputBytes`, and must report the
 * remote exit code (128+N when killed by signal N).
 */
export interface CodespaceExecTransport {
  /** Runs one command and reports its outcome; a non-zero exit is a result, not an error. */
  execute(request: CodespaceExecRequest): Promise<ExecResult>;
}

/** A name `export` accepts: the one word of the line that cannot be quoted. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Returns `name` when it is a shell variable name; throws `INVALID_INPUT` otherwise. The sandbox
 * validates names already, but a custom transport may hand a caller's environment on as it is.
 */
function checkVariableName(name: string): string {
  if (VARIABLE_NAME.test(name)) return name;
  throw new InvalidInputError({
    message: 'Environment variable names must be letters, digits and _, not starting with a digit',
    issues: [{ path: 'env', message: 'has a name that is not a shell variable name' }],
  });
}

/** Quotes one word for a POSIX shell: `it's` → `'it'\''s'`. */
function quoteForShell(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Builds the one command line an SSH-style transport hands to the codespace's login shell
 * (which must be POSIX: sh, bash, zsh): change directory, export the environment, then `exec`
 * the argv, or `/bin/sh -c` with the string. Every word is single-quoted, so the remote shell
 * interprets nothing of it; variable names, which `export` needs bare, must be identifiers or it
 * throws `InvalidInputError`. With `killAfterSeconds`, the command runs under coreutils'
 * `timeout -s KILL`, so it outlives a dropped connection by at most that long.
 *
 * The line starts with `cd`, `export` or `exec`, never with `-`, so `ssh` cannot take it for an option.
 * It holds the environment's values: when they are secret, never put it on a command line (any
 * user of the host reads those with `ps`); the `gh` transport sends the environment on stdin.
 */
export function buildRemoteCommand(
  request: Pick<CodespaceExecRequest, 'command' | 'cwd' | 'env'>,
  killAfterSeconds?: number,
): string {
  const assignments = Object.entries(request.env).map(
    ([name, value]) => `${checkVariableName(name)}=${quoteForShell(value)}`,
  );
  return joinRemoteSteps(request, killAfterSeconds, assignments.length > 0 ? `export ${assignments.join(' ')}` : '');
}

/**
 * The remote line: `cd`, then `environment` (a step that sets it, or `''`), then `exec`. The
 * environment comes after `cd` so that a caller's `CDPATH` cannot choose where `cd` goes (nor
 * make it print the directory into the command's output).
 */
export function joinRemoteSteps(
  request: Pick<CodespaceExecRequest, 'command' | 'cwd'>,
  killAfterSeconds: number | undefined,
  environment: string,
): string {
  const argv = typeof request.command === 'string' ? ['/bin/sh', '-c', request.command] : [...request.command];
  const limit = killAfterSeconds === undefined ? [] : ['timeout', '-s', 'KILL', String(killAfterSeconds)];
  const steps: string[] = [];
  if (request.cwd !== undefined) steps.push(`cd ${quoteForShell(request.cwd)}`);
  if (environment !== '') steps.push(environment);
  steps.push(['exec', ...[...limit, ...argv].map(quoteForShell)].join(' '));
  return steps.join(' && ');
}

/**
 * The shell that reads the environment from the first line of standard input (written by
 * {@link buildEnvironmentLine}) and evaluates it, leaving the rest of the input to the command.
 * `read` takes input byte by byte from a pipe, so it never consumes past that line.
 */
export const READ_ENVIRONMENT = `warden_nl=$(printf '\\n.') && warden_nl=\${warden_nl%.} && IFS= read -r warden_env && eval "$warden_env"`;

/**
 * The environment as one line of `export` for {@link READ_ENVIRONMENT}, so that values travel on
 * standard input and never on a command line (world-readable on the host, as `ps` shows). Values
 * are single-quoted; a newline is written as `"$warden_nl"`, so the line never breaks.
 *
 * @throws `InvalidInputError` for a name that is not a shell variable name.
 */
export function buildEnvironmentLine(env: Readonly<Record<string, string>>): string {
  const assignments = Object.entries(env).map(
    ([name, value]) => `${checkVariableName(name)}=${quoteForShell(value).replaceAll('\n', `'"$warden_nl"'`)}`,
  );
  return `export ${assignments.join(' ')}\n`;
}
