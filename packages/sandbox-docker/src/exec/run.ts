/**
 * One command of a started sandbox: its request (argv, environment, limits) and its run, through
 * the supervisor or, without one, Engine-API exec.
 *
 * @module
 */
import { DEFAULT_MAX_OUTPUT_BYTES, type ExecOptions, type SandboxCommand } from '@warden/core';
import type { SandboxRecord } from '../container/start.js';
import { filterCredentialEnv } from '../limits/env.js';
import { execThroughEngine, readOomKillCount } from './engine-exec.js';
import type { CommandRequest, CommandResult } from './types.js';

/** The request for `command` in `record`'s sandbox. */
export function buildCommandRequest(
  record: SandboxRecord,
  command: SandboxCommand,
  options: ExecOptions,
  allowCredentialEnv: ReadonlySet<string>,
): CommandRequest {
  // The image's environment, then the sandbox's env (filtered when it was planned), then the
  // command's: given to the command alone, never to the container environment root's processes
  // run with (see buildContainerSpec).
  const env = {
    ...record.imageEnv,
    ...record.constraints.env,
    ...filterCredentialEnv(options.env ?? {}, allowCredentialEnv).kept,
  };
  // Both runners start argv[0] as a program (never an option of a tool in between), so an argv
  // beginning with "-" or containing "=" runs verbatim.
  const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
  return {
    argv,
    env,
    cwd: options.cwd,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs ?? record.constraints.timeoutMs,
    signal: options.signal,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  };
}

/** Runs `request` through Engine-API exec as `user`, telling an OOM kill from the cgroup's counter. */
async function executeThroughEngine(
  record: SandboxRecord,
  request: CommandRequest,
  user: string,
): Promise<CommandResult> {
  const result = await execThroughEngine(record.container, request, user);
  if (result.exitCode !== 137 || result.timedOut) return result;
  const oomKills = await readOomKillCount(record.container, user);
  const oomKilled = oomKills > record.oomKillsSeen;
  record.oomKillsSeen = oomKills;
  return { ...result, oomKilled };
}

/** Runs `request` in `record`'s sandbox as `user`, through its supervisor when it has one. */
export function runCommand(record: SandboxRecord, request: CommandRequest, user: string): Promise<CommandResult> {
  return record.fastExec ? record.supervisor.run(request) : executeThroughEngine(record, request, user);
}
