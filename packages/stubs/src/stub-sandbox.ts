import { randomUUID } from 'node:crypto';
import {
  type Clock,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOptions,
  type ExecResult,
  execOptionsSchema,
  parseInput,
  REDACTED,
  type Sandbox,
  type SandboxCommand,
  type SandboxConstraints,
  SandboxNotFoundError,
  type SandboxStatus,
  sandboxCommandSchema,
  sandboxConstraintsSchema,
  sandboxIdSchema,
  systemClock,
  toIsoTime,
} from '@warden/core';
import { readStubConfig } from './stub-config.js';

/** One command the stub was asked to run, after validation. */
export interface StubSandboxExecution {
  /** The sandbox it was sent to. */
  sandboxId: string;
  /** The command as given: a shell string or an argv array. */
  command: SandboxCommand;
  /** The options as given (an empty object when none). */
  options: ExecOptions;
}

/** What the stub answers for one execution; missing fields take the defaults of a silent success. */
export type StubSandboxResponse = Partial<ExecResult>;

/** Configuration of {@link createStubSandbox}. */
export interface StubSandboxConfig {
  /** Time source for `createdAt` and call records. @default Date.now */
  now?: Clock;
  /**
   * Scripts the result of each `execute`: return the fields to report, or `undefined` for a
   * silent success (`exitCode` 0, empty output). Output longer than `maxOutputBytes` is cut and
   * reported as `truncated`, as a real backend would.
   * @default () => undefined
   */
  respond?: (execution: StubSandboxExecution) => StubSandboxResponse | undefined;
  /** Limits filled in for fields `create` is not given. @default {@link STUB_SANDBOX_DEFAULTS} */
  defaults?: SandboxConstraints;
}

/** One call the stub received, for assertions. */
export interface StubSandboxCall {
  /** The method called. */
  method: 'create' | 'execute' | 'getStatus' | 'destroy' | 'list';
  /**
   * Its arguments, as given (recorded before validation, so refused calls appear too), except the
   * values of an `env` (of `create`'s constraints or `execute`'s options): `[REDACTED]`, as
   * environments are where tokens are handed to commands. `executions` keeps them.
   */
  args: unknown[];
  /** When it was called (ISO-8601, from `now`). */
  at: string;
}

/**
 * `constraintsOrOptions` with the values of its `env` replaced by `[REDACTED]` (a shallow copy),
 * or as it is when it has no `env` object: what `calls` keeps of it.
 */
function withEnvValuesRedacted(constraintsOrOptions: unknown): unknown {
  if (typeof constraintsOrOptions !== 'object' || constraintsOrOptions === null) return constraintsOrOptions;
  const { env } = constraintsOrOptions as { env?: unknown };
  if (typeof env !== 'object' || env === null) return constraintsOrOptions;
  return {
    ...constraintsOrOptions,
    env: Object.fromEntries(Object.keys(env).map((name) => [name, REDACTED])),
  };
}

/** The stub sandbox, with the calls it received. */
export interface StubSandbox extends Sandbox {
  /** Every call, in order, including refused ones. */
  readonly calls: readonly StubSandboxCall[];
  /** Every command that passed validation and reached a sandbox, in order: what an agent tried to run. */
  readonly executions: readonly StubSandboxExecution[];
}

/** The limits the stub reports when `create` leaves them out: the built-in defaults for untrusted code. */
export const STUB_SANDBOX_DEFAULTS: Readonly<SandboxConstraints> = Object.freeze({
  maxMemoryMb: 256,
  maxCpuPercent: 25,
  maxPids: 50,
  networkPolicy: 'none',
  timeoutMs: 60_000,
});

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutToBytes(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (Buffer.byteLength(text) <= maxBytes) return { text, cut: false };
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  while (Buffer.byteLength(cut) > maxBytes) cut = cut.slice(0, -1);
  return { text: cut, cut: true };
}

function scriptedResult(response: StubSandboxResponse | undefined, maxOutputBytes: number): ExecResult {
  const stdout = cutToBytes(response?.stdout ?? '', maxOutputBytes);
  const stderr = cutToBytes(response?.stderr ?? '', maxOutputBytes);
  return {
    exitCode: 0,
    timedOut: false,
    durationMs: 0,
    ...response,
    stdout: stdout.text,
    stderr: stderr.text,
    truncated: (response?.truncated ?? false) || stdout.cut || stderr.cut,
  };
}

function copyStatus(status: SandboxStatus): SandboxStatus {
  return structuredClone(status);
}

/**
 * Creates an in-memory {@link Sandbox} that runs nothing: it validates every call like a real
 * backend, keeps sandbox state, records each call, and answers `execute` with scripted results,
 * so a test can assert on what an agent tried to run.
 *
 * @example
 * const sandbox = createStubSandbox({
 *   respond: ({ command }) => (command === 'npm test' ? { exitCode: 1, stderr: '1 failing' } : undefined),
 * });
 * const { id } = await sandbox.create({ networkPolicy: 'none' });
 * await sandbox.execute(id, 'npm test'); // { exitCode: 1, stderr: '1 failing', … }
 * sandbox.executions.map((execution) => execution.command); // ['npm test']
 */
export function createStubSandbox(options?: StubSandboxConfig): StubSandbox {
  const config = readStubConfig(options, 'createStubSandbox', {
    now: 'function',
    respond: 'function',
    defaults: 'object',
  });
  const now = config.now ?? systemClock;
  const respond = config.respond ?? (() => undefined);
  const defaults = { ...STUB_SANDBOX_DEFAULTS, ...config.defaults };
  const sandboxes = new Map<string, SandboxStatus>();
  const calls: StubSandboxCall[] = [];
  const executions: StubSandboxExecution[] = [];

  const record = (method: StubSandboxCall['method'], args: unknown[]): void => {
    calls.push({ method, args, at: toIsoTime(now()) });
  };
  const find = (id: unknown): SandboxStatus => {
    const validId = parseInput(sandboxIdSchema, id, 'sandbox id');
    const status = sandboxes.get(validId);
    if (!status) throw new SandboxNotFoundError({ id: validId });
    return status;
  };

  return {
    specificationVersion: 'sandbox-v1',
    providerId: 'stub',
    calls,
    executions,
    async create(constraints?: SandboxConstraints) {
      record('create', [withEnvValuesRedacted(constraints)]);
      const given = parseInput(
        sandboxConstraintsSchema,
        constraints === undefined ? {} : constraints,
        'sandbox constraints',
      );
      const status: SandboxStatus = {
        id: `stub-sandbox-${randomUUID()}`,
        state: 'running',
        createdAt: toIsoTime(now()),
        constraints: { ...defaults, ...given },
      };
      sandboxes.set(status.id, status);
      return copyStatus(status);
    },
    async execute(id: string, command: SandboxCommand, execOptions?: ExecOptions) {
      record('execute', [id, command, withEnvValuesRedacted(execOptions)]);
      const validCommand = parseInput(sandboxCommandSchema, command, 'sandbox command');
      const validOptions = parseInput(execOptionsSchema, execOptions === undefined ? {} : execOptions, 'exec options');
      const sandboxId = find(id).id;
      const execution: StubSandboxExecution = { sandboxId, command: validCommand, options: validOptions };
      executions.push(execution);
      return scriptedResult(respond(execution), validOptions.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    },
    async getStatus(id: string) {
      record('getStatus', [id]);
      return copyStatus(find(id));
    },
    async destroy(id: string) {
      record('destroy', [id]);
      sandboxes.delete(parseInput(sandboxIdSchema, id, 'sandbox id'));
    },
    async list() {
      record('list', []);
      return [...sandboxes.values()].map(copyStatus);
    },
  };
}
