/**
 * A fake `gh` executable for tests: a small shell script written into a temporary directory
 * that records its argv and plays the codespace's side of `gh codespace ssh -c <name> -- <cmd>`
 * the way sshd does, by running `<cmd>` with `/bin/sh -c` in a session of its own (in a
 * per-codespace directory, and with `isolateTmp` a per-codespace `/tmp` through a private mount
 * namespace).
 *
 * @module
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = `#!/bin/sh
# Fake gh written by Warden's tests. Records argv (NUL-separated, one file per call), then runs
# the remote command of "gh codespace ssh -c NAME -- COMMAND" with /bin/sh -c in a session of
# its own, as sshd would: killing this process drops the "connection", not the command.
calls="$FAKE_GH_DIR/calls"
record="$calls/$(date +%s%N)-$$"
for argument in "$@"; do printf '%s\\0' "$argument"; done > "$record"
if [ "$#" -ne 6 ] || [ "$1" != codespace ] || [ "$2" != ssh ] || [ "$3" != -c ] || [ "$5" != -- ]; then
  echo "fake gh: unexpected arguments" >&2
  exit 2
fi
home="$FAKE_GH_DIR/codespaces/$4"
mkdir -p "$home/tmp"
cd "$home" || exit 1
if [ "$FAKE_GH_ISOLATE_TMP" = 1 ]; then
  exec setsid --wait unshare --mount --propagation private /bin/sh -c 'cd "$1" && mount --bind "$0" /tmp && exec /bin/sh -c "$2"' "$home/tmp" "$home" "$6"
fi
exec setsid --wait /bin/sh -c "$6"
`;

/** A fake `gh` on a private `PATH`. */
export interface FakeGh {
  /** Environment for the transport: `PATH` starting with the fake's directory, plus its settings. */
  env: Record<string, string | undefined>;
  /** Every argv the fake received, oldest first (without `argv[0]`). */
  calls(): Promise<string[][]>;
  /** Removes the temporary directory. */
  cleanup(): Promise<void>;
}

/** Writes the fake `gh` into a new temporary directory. */
export async function installFakeGh(options: { isolateTmp?: boolean } = {}): Promise<FakeGh> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-fake-gh-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'calls'));
  await writeFile(join(dir, 'bin', 'gh'), SCRIPT);
  await chmod(join(dir, 'bin', 'gh'), 0o755);
  return {
    env: {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_GH_DIR: dir,
      FAKE_GH_ISOLATE_TMP: options.isolateTmp ? '1' : '0',
    },
    async calls() {
      const files = await readdir(join(dir, 'calls'));
      const entries = await Promise.all(
        files.map(async (file) => ({ time: (await stat(join(dir, 'calls', file))).mtimeMs, file })),
      );
      entries.sort((a, b) => a.time - b.time || a.file.localeCompare(b.file));
      return Promise.all(
        entries.map(async ({ file }) => (await readFile(join(dir, 'calls', file), 'utf8')).split('\0').slice(0, -1)),
      );
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
