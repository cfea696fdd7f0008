/**
 * How much an environment may hold and still let a process start programs. Linux refuses
 * `execve` (E2BIG) when one `NAME=value` string passes 128 KiB (`MAX_ARG_STRLEN`), or when the
 * environment and the arguments together pass `ARG_MAX` (usually 2 MiB): a store that wrote
 * past either into `process.env` would leave its process unable to run any child again.
 *
 * @module
 */
import { InvalidInputError, QuotaExceededError } from '@warden/core';

/** Linux's `MAX_ARG_STRLEN`: the longest one `NAME=value` string may be, its NUL included. */
const MAX_VARIABLE_BYTES = 131_072;

/** The environment's size the store writes up to: half of the usual `ARG_MAX`, the rest left for arguments. */
const MAX_ENVIRONMENT_BYTES = 1_048_576;

/**
 * Bytes one variable takes in a child's environment (`NAME=value` and its NUL). A value that is
 * not a string (an `env` object filled by hand) is counted as the string a child gets from it.
 */
function variableBytes(variable: string, value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(variable) + Buffer.byteLength(`${value}`) + 2;
}

/** Bytes the whole environment takes in a child's environment. */
function environmentBytes(env: Readonly<Record<string, string | undefined>>): number {
  let total = 0;
  for (const [variable, value] of Object.entries(env)) total += variableBytes(variable, value);
  return total;
}

/**
 * Throws unless `env` can take `variable` set to `value` and still let programs start:
 * `INVALID_INPUT` for a value no single variable may hold, `QUOTA_EXCEEDED` when the environment
 * would grow past 1 MiB (a set that shrinks it is always allowed). The value is not quoted.
 */
export function checkEnvironmentRoom(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  value: string,
): void {
  const bytes = variableBytes(variable, value);
  if (bytes > MAX_VARIABLE_BYTES) {
    throw new InvalidInputError({
      message: `Secret value too large for an environment variable: NAME=value may take at most ${MAX_VARIABLE_BYTES} bytes, or no program could be started`,
      issues: [{ path: 'value', message: `must fit in ${MAX_VARIABLE_BYTES} bytes with its variable name` }],
    });
  }
  const current = environmentBytes(env);
  const next = current - variableBytes(variable, env[variable]) + bytes;
  if (next > MAX_ENVIRONMENT_BYTES && next > current) {
    throw new QuotaExceededError({
      message: `The environment would grow past ${MAX_ENVIRONMENT_BYTES} bytes, beyond which programs may no longer start; delete secrets first`,
    });
  }
}
