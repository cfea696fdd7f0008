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

/** {@link DockerExecResult} with the output as raw bytes (`execute(…, { encoding: 'buffer' })`). */
export interface DockerExecBufferResult extends Omit<DockerExecResult, 'stdout' | 'stderr'> {
  /** Standard output, at most `maxOutputBytes` bytes. */
  stdout: Buffer;
  /** Standard error, at most `maxOutputBytes` bytes. */
  stderr: Buffer;
}

/**
 * What a runner returns: the output as bytes, as captured (up to three bytes past the cap; the
 * text is cut at the cap, by core's `completeUtf8Length`); `truncated` already counts the cap.
 */
export interface CommandResult extends Omit<DockerExecResult, 'stdout' | 'stderr'> {
  stdout: Buffer;
  stderr: Buffer;
}
