/**
 * The default exec transport: `gh codespace ssh -c <name> -- <remote command>`, spawned without
 * a shell (arguments as an array), with a wall-clock timeout, abort signal and output caps.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { BackendUnavailableError, type ExecResult } from '@warden/core';
import {
  buildRemoteCommand,
  type CodespaceExecRequest,
  type CodespaceExecTransport,
} from './codespace-exec-transport.js';

/** Options for {@link createGhSshTransport}. */
export interface GhSshTransportOptions {
  /** The `gh` executable, a path or a name looked up on the child's `PATH`. @default 'gh' */
  ghPath?: string;
  /** Given to `gh` as `GH_TOKEN`; otherwise `gh` uses its own login. Never logged. */
  token?: string;
  /** Environment of the `gh` process. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Also enforce the timeout inside the codespace with coreutils' `timeout -s KILL` (one second
   * after the local deadline), because killing `gh` only drops the connection and a remote
   * command without a terminal keeps running. Turn off for images without coreutils. @default true
   */
  remoteTimeout?: boolean;
}

/** Creates the `gh codespace ssh` transport. */
export function createGhSshTransport(options: GhSshTransportOptions = {}): CodespaceExecTransport {
  const ghPath = options.ghPath ?? 'gh';
  const environment = {
    ...(options.env ?? process.env),
    ...(options.token === undefined ? {} : { GH_TOKEN: options.token }),
  };
  return {
    execute: (request) => {
      const killAfterSeconds = options.remoteTimeout === false ? undefined : (request.timeoutMs + 1000) / 1000;
      const remoteCommand = buildRemoteCommand(request, killAfterSeconds);
      return runProcess(
        ghPath,
        ['codespace', 'ssh', '-c', request.codespace, '--', remoteCommand],
        environment,
        request,
      );
    },
  };
}

/** Collects one stream up to `limit` bytes, draining (and dropping) the rest. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Spawns `command` with `args` (never through a shell) in its own process group, so that a
 * timeout or abort kills it and everything it started.
 */
function runProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  request: CodespaceExecRequest,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { shell: false, detached: true, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = new CappedBuffer(request.maxOutputBytes);
    const stderr = new CappedBuffer(request.maxOutputBytes);
    let timedOut = false;
    const kill = () => {
      timedOut = true;
      killGroup(child.pid, () => child.kill('SIGKILL'));
    };
    const timer = setTimeout(kill, request.timeoutMs);
    if (request.signal?.aborted) kill();
    request.signal?.addEventListener('abort', kill, { once: true });
    const finish = () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', kill);
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.stdin.end(request.stdin ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      reject(
        new BackendUnavailableError({
          backend: 'github',
          message: `Could not run "${command}": ${error.code ?? error.message}`,
        }),
      );
    });
    child.on('close', (code, signal) => {
      finish();
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0),
        timedOut,
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

function killGroup(pid: number | undefined, fallback: () => void): void {
  try {
    if (pid === undefined) throw new Error('no pid');
    process.kill(-pid, 'SIGKILL');
  } catch {
    fallback();
  }
}
