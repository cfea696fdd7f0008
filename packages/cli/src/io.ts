/**
 * What every subcommand shares: exit codes, output sinks, usage errors and reading a
 * configuration file.
 *
 * @module
 */
import {
  findRepeatedJsonKey,
  InvalidInputError,
  parseInput,
  readRegularTextFile,
  type SecurityConfig,
  escapeTerminalText as safe,
  securityConfigSchema,
} from '@warden/core';

/** Exit codes a script can branch on. */
export const EXIT: Readonly<{ ok: 0; findings: 1; usage: 2; internal: 70 }> = Object.freeze({
  /** Allowed, clean, no difference. */
  ok: 0,
  /** Denied, findings, differences. */
  findings: 1,
  /** Usage or input error (unknown flag, missing file, invalid JSON or configuration). */
  usage: 2,
  /**
   * The command failed inside (a bug, or a fault it has no name for): nothing was decided, so it
   * is none of the answers above. It is not 1, which `kill-switch status` uses for "active" and
   * `audit verify` for "tampered": a crash must not read as a verdict. 70 is `EX_SOFTWARE` of
   * sysexits.h.
   */
  internal: 70,
} as const);

/** Where a command writes. */
export interface CliIo {
  /** Standard output (one call per line or block; no trailing newline needed). */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

/** A usage or input error: printed to stderr, exit code 2. */
export class UsageError extends Error {
  /** @param message what went wrong, said to the user. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Refuses an option that takes a value given more than once (`util.parseArgs` keeps the last):
 * a script that sets `--key` or `--approver` and then passes on arguments from elsewhere would
 * have its value silently replaced. `repeatable` names the options meant to be given many times.
 * Throws a {@link UsageError}.
 */
export function refuseRepeatedOptions(
  tokens: readonly { kind: string; name?: string; value?: string | undefined }[],
  repeatable: readonly string[] = [],
): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined || token.name === undefined) continue;
    if (repeatable.includes(token.name)) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
}

/**
 * Refuses an option given with an empty value (`--key-prefix ''`, or `--key-prefix "$UNSET"` in a
 * script): an empty prefix names another, empty store, whose empty queue would read as "nothing
 * pending"; an empty filter matches nothing. `names` are the options checked. Throws a
 * {@link UsageError}.
 */
export function refuseEmptyOptions(values: Readonly<Record<string, unknown>>, names: readonly string[]): void {
  for (const name of names) {
    if (values[name] === '') throw new UsageError(`--${name} must not be empty`);
  }
}

/**
 * Reads a file as UTF-8 text, or throws a {@link UsageError} naming the file: core's
 * `readRegularTextFile` (a regular file only, at most 256 MiB, strict UTF-8), whose refusals are
 * usage errors here.
 */
export function readTextFile(file: string): string {
  try {
    return readRegularTextFile(file);
  } catch (error) {
    throw error instanceof InvalidInputError ? new UsageError(error.message) : error;
  }
}

/** Reads and parses a JSON file (see {@link readTextFile}), or throws a {@link UsageError} naming the file. */
export function readJsonFile(file: string): unknown {
  const text = readTextFile(file);
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse quotes the file's text, line feeds included: escaped, the file cannot forge a line.
    throw new UsageError(`${file} is not valid JSON: ${safe((error as Error).message)}`);
  }
  // JSON.parse keeps the last of a repeated key; whoever reviewed the file may have read the first.
  const repeated = findRepeatedJsonKey(text);
  if (repeated !== undefined)
    throw new UsageError(`${file} repeats the key at ${safe(repeated)}: only the last would count`);
  return document;
}

/** The issues that make a document an invalid security configuration, each `{ path, message }`. */
export function validationIssues(document: unknown): { path: string; message: string }[] {
  try {
    parseInput(securityConfigSchema, document, 'security config');
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((issue) => ({ ...issue }));
    throw error;
  }
}

/** Reads, parses and validates a security configuration, or throws a {@link UsageError}. */
export function loadConfig(file: string): SecurityConfig {
  const document = readJsonFile(file);
  const issues = validationIssues(document);
  if (issues.length > 0) {
    // A path holds the file's own keys (a session name may hold a line feed): one escaped line per issue.
    const lines = issues.map((issue) => `  ${safe(issue.path || '(root)')}: ${safe(issue.message)}`);
    throw new UsageError(`${file} is not a valid security configuration:\n${lines.join('\n')}`);
  }
  return parseInput(securityConfigSchema, document, 'security config');
}

/**
 * The Redis URL from `--url` or `REDIS_URL`, checked before any client sees it: a URL that does
 * not parse (a port that is not a number) made the Redis client throw an error that carried the
 * whole URL, password included, into a stack trace on the terminal. The message here never
 * repeats the URL. Throws a {@link UsageError} when there is none or it does not parse.
 */
export function redisUrlOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = flag ?? env.REDIS_URL;
  if (url === undefined || url === '') throw new UsageError('no Redis: set REDIS_URL or pass --url');
  const where = flag === undefined ? 'REDIS_URL' : '--url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${where} is not a valid Redis URL (redis://[user:password@]host[:port][/db])`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`${where} is not a valid Redis URL: it must start with redis:// or rediss://`);
  }
  return url;
}
