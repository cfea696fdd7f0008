/**
 * The `Sandbox` port: where an agent's code runs.
 *
 * @module
 */
import { z } from 'zod';
import type { ProviderIdentity } from './specification.js';

/** Network access inside a sandbox. `egress-only` must never be silently widened to `full`. */
export type NetworkPolicy = 'none' | 'egress-only' | 'full';

/**
 * Limits for a new sandbox. Every field is optional: a backend fills the gaps from its own
 * defaults (or from the resolved policy) and never from "unlimited".
 */
export interface SandboxConstraints {
  /** Memory limit in MiB; swap is disabled, so this is the whole budget. */
  maxMemoryMb?: number;
  /** CPU share in percent of one core (50 = half a core). */
  maxCpuPercent?: number;
  /** Maximum number of processes. */
  maxPids?: number;
  /** Network access. */
  networkPolicy?: NetworkPolicy;
  /** Default wall-clock timeout for each command, in milliseconds. */
  timeoutMs?: number;
  /** Absolute host paths mounted read-only at the same path. */
  allowedPaths?: string[];
  /** Absolute host paths mounted read-write at the same path. */
  writablePaths?: string[];
  /** Environment variables set for every command. */
  env?: Record<string, string>;
}

/** Lifecycle of a sandbox. */
export type SandboxState = 'creating' | 'running' | 'stopped' | 'destroyed' | 'error';

/** What a backend reports about one sandbox. */
export interface SandboxStatus {
  /** The sandbox id, as returned by `create`. */
  id: string;
  /** Where it is in its lifecycle. */
  state: SandboxState;
  /** When it was created (ISO-8601). */
  createdAt: string;
  /** The effective constraints, with the backend's defaults filled in. */
  constraints: SandboxConstraints;
  /** Why the sandbox is in `error`, when it is. */
  error?: string;
}

/** A command: a string run by `/bin/sh -c` inside the sandbox, or an argv array run without a shell. */
export type SandboxCommand = string | readonly string[];

/** Options for one `execute` call. */
export interface ExecOptions {
  /** Wall-clock limit in ms; the process is killed when it is reached. Defaults to the sandbox's `timeoutMs`. */
  timeoutMs?: number;
  /** Working directory inside the sandbox. */
  cwd?: string;
  /** Extra environment variables for this command. */
  env?: Record<string, string>;
  /** Written to the command's standard input, which is then closed. */
  stdin?: string;
  /** Aborting kills the command, like a timeout. */
  signal?: AbortSignal;
  /** Cap on captured bytes, per stream. Defaults to 1 MiB. */
  maxOutputBytes?: number;
}

/** The outcome of one command. */
export interface ExecResult {
  /** Captured standard output (at most `maxOutputBytes`). */
  stdout: string;
  /** Captured standard error (at most `maxOutputBytes`). */
  stderr: string;
  /** The process's own exit code; 128+N when killed by signal N. */
  exitCode: number;
  /** True when the wall-clock timeout (or the abort signal) killed the command. */
  timedOut: boolean;
  /** True when either stream was cut at `maxOutputBytes`. */
  truncated: boolean;
  /** Wall-clock duration of the call. */
  durationMs: number;
}

/**
 * Sandboxed execution for agent code.
 *
 * An implementation must:
 * - validate every argument and throw `InvalidInputError` (code `INVALID_INPUT`) before doing anything;
 * - refuse constraints it cannot enforce with `CapabilityUnsupportedError` rather than weakening them;
 * - throw `SandboxNotFoundError` from `execute` and `getStatus` for an id it did not create or has destroyed;
 * - make `destroy` idempotent: destroying an unknown or already destroyed sandbox resolves;
 * - never reuse an id: a destroyed sandbox's id never reaches a new sandbox;
 * - return copies from `create`, `getStatus` and `list` (a caller's edit changes no sandbox);
 * - cap each captured stream at `maxOutputBytes` (1 MiB by default) without splitting a
 *   character, reporting `truncated`, for real and scripted output alike;
 * - resolve a command still running when its sandbox is destroyed (aborted first or not) as killed,
 *   `timedOut: true`, never reject it;
 * - never pass a command through a shell on the host.
 */
export interface Sandbox extends ProviderIdentity<'sandbox-v1'> {
  /** Creates and starts a sandbox; resolves once it can run commands. */
  create(constraints?: SandboxConstraints): Promise<SandboxStatus>;
  /** Runs one command in a running sandbox and reports its outcome (a non-zero exit is not an error). */
  execute(id: string, command: SandboxCommand, options?: ExecOptions): Promise<ExecResult>;
  /** Reports one sandbox. */
  getStatus(id: string): Promise<SandboxStatus>;
  /** Stops and removes a sandbox; idempotent. */
  destroy(id: string): Promise<void>;
  /** Lists the sandboxes this instance manages that are not destroyed. */
  list(): Promise<SandboxStatus[]>;
  /** Releases connections and timers the adapter owns. Optional. */
  close?(): Promise<void>;
}

const NO_NUL = /^[^\0]*$/;
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, 'must be an absolute path')
  .regex(NO_NUL, 'must not contain NUL')
  .refine((path) => !path.split('/').includes('..'), 'must not contain ".." segments');

/** Environment variable names: a letter or `_`, then letters, digits and `_`. */
export const envMapSchema: z.ZodType<Record<string, string>> = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,255}$/, 'must be a valid environment variable name'),
  z.string().max(131_072).regex(NO_NUL, 'must not contain NUL'),
);

/** Validates {@link SandboxConstraints}: finite, positive, sane limits; absolute paths; clean env. */
export const sandboxConstraintsSchema: z.ZodType<SandboxConstraints> = z
  .object({
    maxMemoryMb: z.number().int().min(6).max(1_048_576).optional(),
    maxCpuPercent: z.number().min(1).max(12_800).optional(),
    maxPids: z.number().int().min(1).max(1_000_000).optional(),
    networkPolicy: z.enum(['none', 'egress-only', 'full']).optional(),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    allowedPaths: z.array(absolutePath).max(64).optional(),
    writablePaths: z.array(absolutePath).max(64).optional(),
    env: envMapSchema.optional(),
  })
  .strict();

/** Validates a {@link SandboxCommand}: a non-empty string, or a non-empty argv, without NUL bytes. */
export const sandboxCommandSchema: z.ZodType<SandboxCommand> = z.union([
  z.string().min(1).max(1_048_576).regex(NO_NUL, 'must not contain NUL'),
  z
    .array(z.string().max(131_072).regex(NO_NUL, 'must not contain NUL'))
    .min(1)
    .max(4096)
    .refine((argv) => (argv[0] ?? '').length > 0, 'argv[0] must not be empty'),
]);

/** Validates {@link ExecOptions}. */
export const execOptionsSchema: z.ZodType<ExecOptions> = z
  .object({
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
    cwd: absolutePath.optional(),
    env: envMapSchema.optional(),
    stdin: z.string().max(16_777_216).optional(),
    signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, 'must be an AbortSignal').optional(),
    maxOutputBytes: z.number().int().min(1).max(268_435_456).optional(),
  })
  .strict();

/** Validates a sandbox id: 1–256 printable characters without whitespace. */
export const sandboxIdSchema: z.ZodType<string> = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be a sandbox id');

/** Default cap on captured output per stream (1 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES: number = 1_048_576;
