/**
 * One command as the adapter hands it to a runner (the supervisor or Engine-API exec), and its
 * outcome.
 *
 * @module
 */
import type { ExecResult } from '@warden/core';

/** A validated command with every option resolved. */
export interface CommandRequest {
  /** The program and its arguments; a string command arrives as `/bin/sh -c <string>`. */
  argv: readonly string[];
  /** Variables added to the sandbox's environment for this command (credential-looking ones removed). */
  env: Readonly<Record<string, string>>;
  /** Working directory, or the sandbox's default. */
  cwd: string | undefined;
  /** Standard input, or none (the command sees end of input at once). */
  stdin: string | undefined;
  /** Wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** Aborting kills the command like a timeout. */
  signal: AbortSignal | undefined;
  /** Cap on captured bytes per stream. */
  maxOutputBytes: number;
}

/** {@link ExecResult} plus what the Docker sandbox can tell about out-of-memory kills. */
export interface DockerExecResult extends ExecResult {
  /** True when the kernel's OOM killer ended the command (its exit code is then 137). */
  oomKilled: boolean;
}

/** What a runner returns. */
export type CommandResult = DockerExecResult;
