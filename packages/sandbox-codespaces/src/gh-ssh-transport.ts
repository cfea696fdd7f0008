/**
 * The default exec transport: `gh codespace ssh -c <name> -- <remote command>`, spawned without
 * a shell (arguments as an array), with a wall-clock timeout, abort signal and output caps.
 *
 * Killing `gh` only drops the connection; a remote command without a terminal keeps running.
 * So the remote command first reports its process group (one line on stderr, removed from the
 * output), and a timeout or abort also runs `kill -s KILL -- -<group>` in the codespace; coreutils'
 * `timeout -s KILL` inside the codespace is the backstop when even that cannot get through.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { BackendUnavailableError, type ExecResult } from '@warden/core';
import { redactGitHubTokens } from '@warden/github-client';
import {
  buildEnvironmentLine,
  type CodespaceExecRequest,
  type CodespaceExecTransport,
  joinRemoteSteps,
  READ_ENVIRONMENT,
} from './codespace-exec-transport.js';
import { RemoteOutput } from './gh-ssh-output.js';

/** Configuration of {@link createGhSshTransport}. */
export interface GhSshTransportConfig {
  /** The `gh` executable, a path or a name looked up on the child's `PATH`. @default 'gh' */
  ghPath?: string;
  /** Given to `gh` as `GH_TOKEN`; otherwise `gh` uses its own login. Never logged. */
  token?: string;
  /** Environment of the `gh` process. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Also enforce the timeout inside the codespace with coreutils' `timeout -s KILL` (one second
   * after the local deadline). Turn off for images without coreutils. @default true
   */
  remoteTimeout?: boolean;
}

/** The line the remote shell writes first, so a timeout can kill its process group. */
const ANNOUNCE_PROCESS_GROUP = `printf '%s %s\\n' ${RemoteOutput.MARKER} "$$" >&2`;

/**
 * What a terminal or log viewer acts on: controls (C0, DEL and C1), format characters (bidi
 * overrides, which show a line reversed) and the Unicode line and paragraph separators (line
 * breaks to JavaScript, editors and many log viewers, so a forged log line).
 */
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** How long to wait for `gh`'s output pipes to close after killing it. */
const PIPE_GRACE_MS = 1000;

/** Creates the `gh codespace ssh` transport. */
export function createGhSshTransport(config: GhSshTransportConfig = {}): CodespaceExecTransport {
  const ghPath = config.ghPath ?? 'gh';
  const env = { ...(config.env ?? process.env), ...(config.token === undefined ? {} : { GH_TOKEN: config.token }) };
  const ssh = (codespace: string, remoteCommand: string) => ['codespace', 'ssh', '-c', codespace, '--', remoteCommand];
  return {
    // Async so that a request buildEnvironmentLine refuses rejects rather than throws.
    execute: async (request) => {
      const killAfterSeconds = config.remoteTimeout === false ? undefined : (request.timeoutMs + 1000) / 1000;
      // The environment goes first on standard input, never on gh's (world-readable) command line.
      const hasEnv = Object.keys(request.env).length > 0;
      // Built first: it throws INVALID_INPUT for a variable name that is no identifier.
      const environmentLine = hasEnv ? buildEnvironmentLine(request.env) : '';
      const command = joinRemoteSteps(request, killAfterSeconds, hasEnv ? READ_ENVIRONMENT : '');
      const remoteCommand = `${ANNOUNCE_PROCESS_GROUP} && ${command}`;
      const stdin = `${environmentLine}${request.stdin ?? ''}`;
      const killRemote = (processGroup: number) => {
        const killer = spawn(ghPath, ssh(request.codespace, `kill -s KILL -- -${processGroup} 2>/dev/null; true`), {
          shell: false,
          env,
          stdio: 'ignore',
          timeout: 30_000,
        });
        killer.on('error', () => {}); // best effort: the remote `timeout` is the backstop
      };
      return runGh(ghPath, ssh(request.codespace, remoteCommand), env, { ...request, stdin }, killRemote);
    },
  };
}

/**
 * Spawns `gh` (never through a shell) in its own process group and collects its output; a
 * timeout or abort kills the group locally and the command's group remotely.
 */
function runGh(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  request: CodespaceExecRequest,
  killRemote: (processGroup: number) => void,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { shell: false, detached: true, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = new RemoteOutput(request.maxOutputBytes, false);
    const stderr = new RemoteOutput(request.maxOutputBytes, true);
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (timedOut) return;
      timedOut = true;
      killGroup(child);
      const processGroup = stderr.processGroup;
      if (processGroup !== undefined) killRemote(processGroup);
      // Processes that inherited gh's pipes may keep them open; do not wait for them forever.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
    };
    const timer = setTimeout(kill, request.timeoutMs);
    if (request.signal?.aborted) kill();
    request.signal?.addEventListener('abort', kill, { once: true });
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
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
      // No announcement: the remote shell never started (gh could not reach the codespace), so
      // gh's exit code is gh's own and must not pass for the command's.
      if (!timedOut && stderr.processGroup === undefined) {
        // Whatever ran first in the codespace (its login shell's start-up files, which the code
        // inside may have rewritten) wrote this: control characters become spaces, so it can
        // neither overwrite nor restyle a log line where the error is read, and token-shaped
        // words are redacted, since the codespace holds a token of its own (GITHUB_TOKEN) that
        // it could print there (before the cut, so that no token is cut to a part that still tells
        // most of it). Cut at 200 code points, so no surrogate pair is split.
        const firstLine = redactGitHubTokens(stderr.text().split('\n', 1)[0] ?? '');
        const said = Array.from(firstLine).slice(0, 200).join('').replace(CONTROL_CHARACTERS, ' ');
        reject(
          new BackendUnavailableError({
            backend: 'github',
            message: `"${command}" did not reach codespace ${request.codespace} (exit ${code ?? signal})${said ? `: ${said}` : ''}`,
          }),
        );
        return;
      }
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

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid === undefined) throw new Error('no pid');
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
