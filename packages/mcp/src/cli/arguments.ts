/**
 * Command-line arguments of `warden-mcp`.
 *
 * @module
 */
import { InvalidInputError } from '@warden/core';

/** What the command line asks for. */
export interface CliArguments {
  /** `stdio` (default), `serve` (HTTP gateway) or `schema` (print the JSON Schema). */
  mode: 'stdio' | 'serve' | 'schema';
  /** `--config <file>`. */
  configPath: string | undefined;
  /** `--upstream <name>`. */
  upstream: string | undefined;
  /** `--caller <name>` (stdio). */
  caller: string | undefined;
  /** `--redis-url <url>`: overrides `backends.redisUrl`. */
  redisUrl: string | undefined;
  /** Everything after `--`: the upstream command. */
  command: string[];
}

/** Parses `argv` (without node and the script). @throws `InvalidInputError` naming the bad argument. */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? [...argv] : argv.slice(0, separator);
  const command = separator === -1 ? [] : argv.slice(separator + 1);
  const parsed: CliArguments = {
    mode: 'stdio',
    configPath: undefined,
    upstream: undefined,
    caller: undefined,
    redisUrl: undefined,
    command,
  };
  if (own[0] === 'serve' || own[0] === 'schema') parsed.mode = own.shift() as 'serve' | 'schema';
  for (let index = 0; index < own.length; index += 1) {
    const flag = own[index];
    const value = own[index + 1];
    const take = (): string => {
      if (value === undefined || value.startsWith('--')) throw invalid(flag ?? '', 'needs a value');
      index += 1;
      return value;
    };
    if (flag === '--config') parsed.configPath = take();
    else if (flag === '--upstream') parsed.upstream = take();
    else if (flag === '--caller') parsed.caller = take();
    else if (flag === '--redis-url') parsed.redisUrl = take();
    else
      throw invalid(
        flag ?? '',
        'is not a known argument (usage: warden-mcp [serve] --config <file> [--upstream <name>] [--caller <name>] [--redis-url <url>] [-- <server command…>])',
      );
  }
  if (parsed.mode !== 'schema' && parsed.configPath === undefined) throw invalid('--config', 'is required');
  return parsed;
}

function invalid(flag: string, message: string): InvalidInputError {
  return new InvalidInputError({ message: `${flag} ${message}`, issues: [{ path: flag, message }] });
}
