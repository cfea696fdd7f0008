/**
 * Runs a command through a plain Engine-API exec: the fallback when a sandbox has no supervisor
 * (`fastExec: false`, an image without the tools it needs, or a container this process did not
 * start). Same guarantees, slower: the command runs as the sandbox user; when it ends (or its
 * timeout kills it) a second exec, as the container's root supervisor user, ends its process
 * group and every process left outside the sessions of commands still running; output is
 * demultiplexed and capped, and the exit code is the process's own.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { CappedBuffer, createFrameDemuxer } from './stream.js';
import {
  GROUP_CHECK,
  ROOT_PATH_SETUP,
  SUPERVISOR_DIRECTORY,
  SUPERVISOR_PID_DIRECTORY,
  SWEEP_FUNCTION,
} from './supervisor-script.js';
import type { CommandRequest, CommandResult } from './types.js';

const KILL_GRACE_MS = 5_000;

// The wrapper records its pid (an exec'd process leads its own session and process group), so
// the cleanup can end the whole group from a second exec; it changes directory itself so a
// missing cwd reads the same as through the supervisor. `exec --`-free "$@" runs the argv
// without a shell, and a program named "-c" is a program, never an option. Before anything, it
// checks that its supplementary groups are only the sandbox user's gid (GROUP_CHECK), in a
// subshell: the request's variables are the exec's environment, and the check's own variables
// (`warden_gid`, `warden_g`…) overwrote and unset those of the same name. They stay the exec's
// environment rather than arguments: the engine writes an exec's arguments into its events.
const WRAPPER =
  `echo "$$" >"$0"; (warden_gid=$1; ${GROUP_CHECK}) || exit 126; shift; ` +
  'if [ -n "$1" ] && ! cd "$1" 2>/dev/null; then printf "cannot change directory to %s\\n" "$1" >&2; exit 126; fi; ' +
  'shift; "$@"';

// Runs as root (the supervisor's user): ends the command's group, then (`sweep`) every process
// outside the protected sessions and those of the commands still running (their pid files).
// A pid file is written by the sandbox user: only a plain number other than 1 is believed.
// Root's PATH holds system directories only: the exec inherits the image's, which may name a
// directory the sandbox user writes.
const CLEANUP =
  `w=${SUPERVISOR_DIRECTORY}\n${ROOT_PATH_SETUP}\n${SWEEP_FUNCTION}\n` +
  'protect\n' +
  'pidof_file() {\n' +
  '  p=; read -r p <"$1" 2>/dev/null; case $p in ""|*[!0-9]*|1) p= ; return ;; esac\n' +
  '  sessionof "$p"; [ "$sid" = "$p" ] || p=\n' +
  '  case " $protected " in *" $p "*) p= ;; esac\n' +
  '}\n' +
  'pidof_file "$0"; rm -f "$0"\n' +
  'if [ -n "$p" ]; then kill -KILL -"$p" 2>/dev/null; fi\n' +
  'if [ "$1" = sweep ]; then shift; for f do pidof_file "$f"; extra_live="$extra_live $p"; done; sweep; fi\n';

type HijackedStream = NodeJS.ReadWriteStream & { destroy?: () => void };

/** Commands running through Engine-API exec, per container: their pid files stay protected from sweeps. */
const running = new Map<string, Set<string>>();

async function startExec(
  container: Docker.Container,
  request: CommandRequest,
  pidFile: string,
  user: string,
): Promise<{ exec: Docker.Exec; stream: HijackedStream }> {
  const withStdin = request.stdin !== undefined;
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', WRAPPER, pidFile, user.split(':')[1] ?? '', request.cwd ?? '', ...request.argv],
    // The environment, never the arguments: the engine records an exec's arguments in its events.
    Env: Object.entries(request.env).map(([name, value]) => `${name}=${value}`),
    User: user,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: withStdin })) as HijackedStream;
  if (withStdin) {
    stream.write(Buffer.from(request.stdin ?? '', 'utf8'));
    stream.end();
  }
  return { exec, stream };
}

/** Ends the group recorded in `pidFile` and, with `sweep`, what is left outside running commands. */
async function cleanUp(container: Docker.Container, pidFile: string, sweep: boolean): Promise<void> {
  const others = [...(running.get(container.id) ?? [])].filter((file) => file !== pidFile);
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', CLEANUP, pidFile, ...(sweep ? ['sweep', ...others] : [])],
    User: '0:0',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as HijackedStream;
  await new Promise<void>((resolve) => {
    stream.on('data', () => {});
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
}

/** Runs `request` in `container` through Engine-API exec, as `user` (`uid:gid`). */
export async function execThroughEngine(
  container: Docker.Container,
  request: CommandRequest,
  user: string,
): Promise<CommandResult> {
  const startedAt = performance.now();
  const pidFile = `${SUPERVISOR_PID_DIRECTORY}/${randomUUID()}`;
  const stdout = new CappedBuffer(request.maxOutputBytes);
  const stderr = new CappedBuffer(request.maxOutputBytes);
  const mine = running.get(container.id) ?? new Set<string>();
  running.set(container.id, mine);
  mine.add(pidFile);
  let killed = false;
  try {
    const { exec, stream } = await startExec(container, request, pidFile, user);
    await new Promise<void>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      // Without a kill from inside (no process left for it under a fork bomb), killing the
      // container is the only way to honour the timeout: the sandbox then reports itself failed.
      const killContainer = (): void => {
        container.kill().catch(() => {});
      };
      const kill = (): void => {
        if (killed) return;
        killed = true;
        cleanUp(container, pidFile, false).catch(killContainer);
        grace = setTimeout(() => {
          killContainer();
          stream.destroy?.();
          resolve();
        }, KILL_GRACE_MS);
      };
      const timer = setTimeout(kill, request.timeoutMs);
      request.signal?.addEventListener('abort', kill, { once: true });
      if (request.signal?.aborted) kill();
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(grace);
        request.signal?.removeEventListener('abort', kill);
        resolve();
      };
      stream.on(
        'data',
        createFrameDemuxer((type, payload) => (type === 2 ? stderr : stdout).push(payload)),
      );
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
    mine.delete(pidFile);
    // Whatever the command left behind ends before its result is returned.
    await cleanUp(container, pidFile, true);
    const exitCode = (await exec.inspect()).ExitCode;
    return {
      stdout: stdout.bytes(),
      stderr: stderr.bytes(),
      exitCode: typeof exitCode === 'number' ? exitCode : 137,
      timedOut: killed,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Math.round(performance.now() - startedAt),
      oomKilled: false,
    };
  } finally {
    mine.delete(pidFile);
    if (mine.size === 0 && running.get(container.id) === mine) running.delete(container.id);
  }
}

/** Reads the sandbox cgroup's OOM-kill counter (cgroup v1 or v2) through an exec; 0 when unreadable. */
export async function readOomKillCount(container: Docker.Container, user: string): Promise<number> {
  const result = await execThroughEngine(
    container,
    {
      argv: [
        '/bin/sh',
        '-c',
        'cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null; true',
      ],
      env: {},
      cwd: undefined,
      stdin: undefined,
      timeoutMs: 10_000,
      signal: undefined,
      maxOutputBytes: 4096,
    },
    user,
  );
  const match = /^oom_kill (\d+)$/m.exec(result.stdout.toString('utf8'));
  return match ? Number(match[1]) : 0;
}
