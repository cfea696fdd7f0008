/**
 * What `execute` returns: output as text or bytes, each cut at `maxOutputBytes`, and the result of
 * a command whose sandbox was destroyed under it.
 *
 * @module
 */
import { type ExecOptions, parseInput } from '@warden/core';
import { z } from 'zod';
import { utf8Prefix } from './stream.js';
import type { CommandResult, DockerExecBufferResult, DockerExecResult } from './types.js';

/** {@link ExecOptions} plus how the output comes back. */
export interface DockerExecOptions extends ExecOptions {
  /**
   * `'utf8'` returns text cut before a character the cap would split; `'buffer'` returns the raw
   * bytes. Either way `maxOutputBytes` counts bytes. @default 'utf8'
   */
  encoding?: 'utf8' | 'buffer';
}

const encodingSchema = z.enum(['utf8', 'buffer']).optional();

/** Parses {@link DockerExecOptions.encoding} (`INVALID_INPUT` otherwise); `'utf8'` when absent. */
export function parseEncoding(encoding: unknown): 'utf8' | 'buffer' {
  return parseInput(encodingSchema, encoding, 'execute options.encoding') ?? 'utf8';
}

/** What a command whose sandbox was destroyed under it returns: killed, like a timeout. */
export function killedResult(startedAt: number): CommandResult {
  return {
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    exitCode: 137,
    timedOut: true,
    truncated: false,
    durationMs: Math.round(performance.now() - startedAt),
    oomKilled: false,
  };
}

/** The result with text output, cut before a character the cap would split. */
export function asText(result: CommandResult, capBytes: number): DockerExecResult {
  return { ...result, stdout: utf8Prefix(result.stdout, capBytes), stderr: utf8Prefix(result.stderr, capBytes) };
}

/** The result with the raw bytes, at most `capBytes` of each stream. */
export function asBytes(result: CommandResult, capBytes: number): DockerExecBufferResult {
  return { ...result, stdout: result.stdout.subarray(0, capBytes), stderr: result.stderr.subarray(0, capBytes) };
}
