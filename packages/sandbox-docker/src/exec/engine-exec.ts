/**
 * Runs a command through a plain Engine-API exec: the fallback when a sandbox has no supervisor
 * (`fastExec: false`, an image without the tools it needs, or a container this process did not
 * start). Same guarantees, slower: the timeout kills the process group inside the container,
 * output is demultiplexed and capped, and the exit code is the process's own.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { CappedBuffer, createFrameDemuxer } from './stream.js';
import { SUPERVISOR_DIRECTORY } from './supervisor-script.js';
import type { CommandRequest, CommandResult } from './types.js';

const KILL_GRACE_MS = 5_000;

// The wrapper records its pid (an exec'd process leads its own session and process group), so
// a timeout can kill the whole group from a second exec; it changes directory itself so a
// missing cwd reads the same as through the supervisor. "$@" runs the argv without a shell.
const WRAPPER =
  'echo "$$" >"$0"; ' +
  'if [ -n "$1" ] && ! cd "$1" 2>/dev/null; then printf "cannot change directory to %s\\n" "$1" >&2; rm -f "$0"; exit 126; fi; ' +
  'shift; "$@"; code=$?; rm -f "$0"; exit "$code"';
const KILLER =
  'i=0; while [ ! -s "$0" ] && [ "$i" -lt 100 ]; do usleep 20000 2>/dev/null || sleep 1; i=$((i+1)); done; ' +
  'read -r p <"$0" && { kill -KILL -"$p" 2>/dev/null || kill -KILL "$p"; }; rm -f "$0"';

type HijackedStream = NodeJS.ReadWriteStream & { destroy?: () => void };

async function startExec(
  container: Docker.Container,
  request: CommandRequest,
  pidFile: string,
): Promise<{ exec: Docker.Exec; stream: HijackedStream }> {
  const withStdin = request.stdin !== undefined;
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', WRAPPER, pidFile, request.cwd ?? '', ...request.argv],
    Env: Object.entries(request.env).map(([name, value]) => `${name}=${value}`),
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

/** Kills the process group recorded in `pidFile`, from a second exec. */
async function killRecordedGroup(container: Docker.Container, pidFile: string): Promise<void> {
  const killer = await container.exec({
    Cmd: ['/bin/sh', '-c', KILLER, pidFile],
    AttachStdout: false,
    AttachStderr: false,
  });
  await killer.start({ Detach: true });
}

/** Runs `request` in `container` through Engine-API exec. */
export async function execThroughEngine(container: Docker.Container, request: CommandRequest): Promise<CommandResult> {
  const startedAt = performance.now();
  const pidFile = `${SUPERVISOR_DIRECTORY}/exec-${randomUUID()}.pid`;
  const stdout = new CappedBuffer(request.maxOutputBytes);
  const stderr = new CappedBuffer(request.maxOutputBytes);
  const { exec, stream } = await startExec(container, request, pidFile);
  let killed = false;
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
      killRecordedGroup(container, pidFile).catch(killContainer);
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
  const exitCode = (await exec.inspect()).ExitCode;
  return {
    stdout: stdout.text(),
    stderr: stderr.text(),
    exitCode: typeof exitCode === 'number' ? exitCode : 137,
    timedOut: killed,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: Math.round(performance.now() - startedAt),
    oomKilled: false,
  };
}

/** Reads the sandbox cgroup's OOM-kill counter (cgroup v1 or v2) through an exec; 0 when unreadable. */
export async function readOomKillCount(container: Docker.Container): Promise<number> {
  const result = await execThroughEngine(container, {
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
  });
  const match = /^oom_kill (\d+)$/m.exec(result.stdout);
  return match ? Number(match[1]) : 0;
}
