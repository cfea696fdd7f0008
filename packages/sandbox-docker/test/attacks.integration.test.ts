/**
 * The code inside a sandbox is hostile, and so is anyone who can influence a host path: each test
 * is one attack from issue 15 or one class found while building the defences, run under every
 * runtime the engine has (runc, and gVisor's runsc), naming its attacker.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../src/docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../src/docker-sandbox.js';
import { listBoundSockets } from '../src/limits/paths.js';
import { sandboxRuntimes, TEST_IMAGE, uniqueOwner } from './docker-test-support.js';

const MODES = [
  { name: 'supervisor', fastExec: true },
  { name: 'Engine-API exec', fastExec: false },
] as const;

/**
 * A static x86-64 program (no libc) that forks, lets the parent exit and calls setsid() in the
 * child, forever: a process that starts each next generation in a session of its own. Built with
 * the host's gcc; `undefined` (the test that needs it is skipped) where there is none.
 */
const SESSION_HOPPER: string | undefined = buildSessionHopper();

function buildSessionHopper(): string | undefined {
  if (process.arch !== 'x64') return undefined;
  const directory = mkdtempSync(join(tmpdir(), 'warden-hopper-'));
  chmodSync(directory, 0o755);
  const source = join(directory, 'hop.c');
  writeFileSync(
    source,
    [
      '#include <sys/syscall.h>',
      'static long call0(long n) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory"); return r; }',
      'static long call1(long n, long a) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory"); return r; }',
      'void _start(void) { for (;;) { long child = call0(SYS_fork); if (child > 0) call1(SYS_exit, 0); if (child == 0) call0(SYS_setsid); } }',
      '',
    ].join('\n'),
  );
  try {
    execFileSync('gcc', ['-static', '-nostdlib', '-O2', '-s', '-o', join(directory, 'hop'), source], {
      stdio: 'ignore',
    });
  } catch {
    rmSync(directory, { recursive: true, force: true });
    return undefined;
  }
  return join(directory, 'hop');
}

afterAll(() => {
  if (SESSION_HOPPER !== undefined) rmSync(dirname(SESSION_HOPPER), { recursive: true, force: true });
});

/** Processes of the sandbox user other than the `ps` that lists them. */
async function sandboxUserProcesses(sandbox: DockerSandbox, id: string): Promise<string[]> {
  const { stdout } = await sandbox.execute(id, ['ps', '-o', 'user,args']);
  return stdout.split('\n').filter((line) => /^nobody\s/.test(line) && !/\bps -o user,args\b/.test(line));
}

describeWithService('docker', 'Docker sandbox attacks', (dockerHost) => {
  const docker = createDockerClient(dockerHost);

  describe('attack 1: whoever can plant a symlink in a path a later sandbox mounts', () => {
    let directory: string;
    let service: Server;
    let sandbox: DockerSandbox;

    beforeAll(async () => {
      directory = realpathSync(mkdtempSync(join(tmpdir(), 'warden-attack-')));
      mkdirSync(join(directory, 'ws'));
      service = createServer();
      await new Promise<void>((resolve) => service.listen(join(directory, 'service.sock'), resolve));
      symlinkSync(join(directory, 'service.sock'), join(directory, 'ws', 'cache'));
      symlinkSync(dockerHost.replace(/^unix:\/\//, ''), join(directory, 'ws', 'engine'));
      sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('attack1') });
    });

    afterAll(async () => {
      await sandbox.close();
      service.close();
      rmSync(directory, { recursive: true, force: true });
    });

    it('an agent-planted `ln -s host.sock ws/cache` never mounts the host socket', async () => {
      await expect(sandbox.create({ allowedPaths: [join(directory, 'ws', 'cache')] })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      const allowingLinks = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId: uniqueOwner('attack1'),
        symlinkRoots: [directory],
      });
      await expect(allowingLinks.create({ writablePaths: [join(directory, 'ws', 'cache')] })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await allowingLinks.close();
    });

    it("the engine's own socket is refused however it is spelled, with an injected client and DOCKER_HOST unset", async () => {
      const socket = dockerHost.replace(/^unix:\/\//, '');
      const previous = process.env.DOCKER_HOST;
      delete process.env.DOCKER_HOST;
      try {
        const injected = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('attack1') });
        for (const path of [socket, socket.replace(/\/docker\.sock$/, '//docker.sock'), join(socket, '..')]) {
          await expect(injected.create({ allowedPaths: [path] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
        }
        const viaLinks = createDockerSandbox({
          docker,
          image: TEST_IMAGE,
          ownerId: uniqueOwner('attack1'),
          symlinkRoots: ['/'],
        });
        await expect(viaLinks.create({ allowedPaths: [join(directory, 'ws', 'engine')] })).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
        await Promise.all([injected.close(), viaLinks.close()]);
      } finally {
        if (previous !== undefined) process.env.DOCKER_HOST = previous;
      }
    });
  });

  describe("attack 1b: whoever chooses mounts, aiming at the engine's own trees", () => {
    it("the engine's data root (DockerRootDir, wherever --data-root put it), what lies in it, and the directories of containerd's sockets are never mounted", async () => {
      const { DockerRootDir: dataRoot } = (await docker.info()) as { DockerRootDir: string };
      const containerdDirectories = listBoundSockets()
        .filter((socket) => /containerd[^/]*\.sock/.test(socket) && existsSync(socket))
        .map((socket) => dirname(socket));
      const targets = [
        dataRoot,
        join(dataRoot, 'containers'),
        join(dataRoot, 'image'),
        ...containerdDirectories,
      ].filter((path) => existsSync(path));
      expect(targets).toContain(join(dataRoot, 'containers'));
      // Symlinks allowed anywhere, so no refusal comes from a symlinked spelling alone.
      const sandbox = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId: uniqueOwner('attack1b'),
        symlinkRoots: ['/'],
      });
      try {
        for (const path of targets) {
          await expect(sandbox.create({ allowedPaths: [path] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
          await expect(sandbox.create({ writablePaths: [path] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
        }
      } finally {
        await sandbox.close();
      }
    });
  });

  // Mounting on the host needs root; where the tests run as root, the attack is real.
  describe.skipIf(process.getuid?.() !== 0).each(sandboxRuntimes())(
    "attack 1c: whoever chooses mounts, aiming at the host's mounts below a path (under %s)",
    (runtime) => {
      let directory: string;
      let service: Server;
      const hostMounts: string[] = [];

      beforeAll(async () => {
        directory = realpathSync(mkdtempSync(join(tmpdir(), 'warden-attack-')));
        mkdirSync(join(directory, 'data', 'disk'), { recursive: true });
        writeFileSync(join(directory, 'data', 'plain'), '');
        service = createServer();
        await new Promise<void>((resolve) => service.listen(join(directory, 'service.sock'), resolve));
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=1777', 'tmpfs', join(directory, 'data', 'disk')]);
        hostMounts.push(join(directory, 'data', 'disk'));
        execFileSync('mount', ['--bind', join(directory, 'service.sock'), join(directory, 'data', 'plain')]);
        hostMounts.push(join(directory, 'data', 'plain'));
      });

      afterAll(() => {
        for (const mount of hostMounts.reverse()) execFileSync('umount', [mount]);
        service.close();
        rmSync(directory, { recursive: true, force: true });
      });

      it('a read-only path carries neither a writable disk mounted below it nor a socket bound onto a file in it', async () => {
        const sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('attack1c'), runtime });
        try {
          const { id } = await sandbox.create({ allowedPaths: [join(directory, 'data')] });
          const data = join(directory, 'data');
          const result = await sandbox.execute(id, [
            'sh',
            '-c',
            'echo owned >"$1/disk/owned" && echo wrote; test -S "$1/plain" && echo socket; echo end',
            'sh',
            data,
          ]);
          expect(result.stdout).toBe('end\n');
          expect(existsSync(join(data, 'disk', 'owned'))).toBe(false);
        } finally {
          await sandbox.close();
        }
      });
    },
  );

  describe.each(sandboxRuntimes())('under %s', (runtime) => {
    describe.each(MODES)('the code inside, through the $name', ({ fastExec }) => {
      let sandbox: DockerSandbox;
      let id: string;

      beforeAll(async () => {
        sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('attack'), runtime, fastExec });
        ({ id } = await sandbox.create({ maxPids: 64 }));
      });

      afterAll(async () => {
        await sandbox.close();
      });

      it('attack 2: a writer the agent leaves behind cannot forge the result of a later check', async () => {
        const writer =
          'while true; do echo "ALL 42 TESTS PASSED" >/proc/1/fd/1; echo "1 0 0" >&3;' +
          ' for f in /run/warden/* /run/warden/*/*; do echo PASSED >"$f"; done; sleep 0.05; done';
        const planted = await sandbox.execute(
          id,
          `(setsid sh -c '${writer}' >/dev/null 2>&1 &); (sh -c '${writer}' >/dev/null 2>&1 &); echo planted`,
        );
        expect(planted.stdout).toBe('planted\n');
        const check = await sandbox.execute(id, 'sleep 1; echo "3 tests FAILED"; exit 1');
        expect(check).toMatchObject({ stdout: '3 tests FAILED\n', exitCode: 1, timedOut: false });
      });

      it("attack 2: a command holds only fds 0-2, never the supervisor's FIFO, files or stdout", async () => {
        const fds = await sandbox.execute(id, ['sh', '-c', 'ls /proc/$$/fd; true']);
        expect(fds.stdout.split('\n').filter(Boolean).sort()).toEqual(['0', '1', '2']);
        const reach = await sandbox.execute(
          id,
          'ls /run/warden; echo x >/run/warden/done; cat /proc/1/fd/1 </dev/null; echo x >/proc/1/fd/1; echo end',
        );
        expect(reach.stdout).toBe('end\n');
        expect(reach.stderr).toMatch(/Permission denied/);
        expect((await sandbox.execute(id, ['echo', 'still'])).stdout).toBe('still\n');
      });

      it('attack 3: after a timeout nothing the command started survives (setsid, double fork)', async () => {
        const marker = `warden-survivor-${randomBytes(3).toString('hex')}`;
        const result = await sandbox.execute(
          id,
          `setsid sh -c 'exec -a ${marker} sleep 1000' & (sh -c 'exec -a ${marker} sleep 1000' &); (setsid sleep 1001 &); sleep 1000`,
          { timeoutMs: 1500 },
        );
        expect(result.timedOut).toBe(true);
        expect(await sandboxUserProcesses(sandbox, id)).toEqual([]);
      });

      it('attack 3: after an abort nothing the command started survives, and a normal end leaves nothing either', async () => {
        const controller = new AbortController();
        const running = sandbox.execute(id, '(setsid sleep 1002 &); sleep 1000', { signal: controller.signal });
        setTimeout(() => controller.abort(), 1000);
        expect((await running).timedOut).toBe(true);
        expect(await sandboxUserProcesses(sandbox, id)).toEqual([]);
        await sandbox.execute(id, '(setsid sleep 1003 &); (sleep 1004 &); true');
        expect(await sandboxUserProcesses(sandbox, id)).toEqual([]);
      });

      it('attack 3: a process that keeps forking itself away (a new pid, same group) never outlives its command', async () => {
        // Each member forks the next and exits: a sweep that kills pid by pid reads a pid that is
        // gone, or kills one whose child already runs, and ended while the chain walked on. A
        // sandbox of its own: under runsc every fork grows gVisor's host tasks (see the README).
        const { id: walked } = await sandbox.create({ maxPids: 64 });
        try {
          for (let attempt = 0; attempt < 6; attempt += 1) {
            const planted = await sandbox.execute(
              walked,
              "setsid sh -c 'f() { f & }; f' >/dev/null 2>&1 </dev/null & echo planted",
            );
            expect(planted.stdout).toBe('planted\n');
            expect(await sandboxUserProcesses(sandbox, walked)).toEqual([]);
          }
        } finally {
          await sandbox.destroy(walked);
        }
      });

      it.skipIf(SESSION_HOPPER === undefined)(
        'attack 3: a compiled program that leaves for a new session in every generation never outlives its command',
        async () => {
          // Each generation forks the next, exits, and the child calls setsid() at once: a kill of
          // the group the sweep read reaches a member whose child has already left that group, and
          // a program (not a shell) does so within microseconds. Mounted read-only from the host:
          // the sandbox's writable places are noexec.
          const hopper = SESSION_HOPPER as string;
          const { id: hopped } = await sandbox.create({ maxPids: 64, allowedPaths: [dirname(hopper)] });
          try {
            for (let attempt = 0; attempt < 6; attempt += 1) {
              const planted = await sandbox.execute(hopped, `${hopper} </dev/null >/dev/null 2>&1 & echo planted`);
              expect(planted.stdout).toBe('planted\n');
              expect(await sandboxUserProcesses(sandbox, hopped)).toEqual([]);
            }
          } finally {
            await sandbox.destroy(hopped);
          }
        },
      );

      it('signals, ptrace and /proc: the code cannot kill, trace or read the supervisor', async () => {
        const result = await sandbox.execute(
          id,
          'for p in $(ls /proc | grep "^[0-9]"); do kill -9 $p 2>/dev/null; kill -STOP $p 2>/dev/null; done;' +
            ' cat /proc/1/mem 2>&1 | head -c 80; cat /proc/1/maps 2>&1 | head -c 80; echo; ls /proc/1/fd 2>&1 | head -c 80; echo',
        );
        expect(result.stdout).not.toMatch(/docker-init|\[heap\]|^\d+$/m);
        expect((await sandbox.execute(id, ['echo', 'alive'])).stdout).toBe('alive\n');
      });

      it('/sys, /dev and /run: nothing to write, no devices to make, no engine socket', async () => {
        const result = await sandbox.execute(
          id,
          'echo 1 >/sys/fs/cgroup/pids.max 2>/dev/null && echo sys-written;' +
            ' mknod /tmp/d c 1 1 2>/dev/null && head -c 16 /tmp/d >/dev/null 2>&1 && echo device-opened;' +
            ' ls /dev | tr "\\n" " "; ls -la /run /var/run 2>/dev/null | grep -c sock; true',
        );
        expect(result.stdout).not.toMatch(/sys-written|device-opened/);
        expect(result.stdout).not.toMatch(/\b(sda|kmsg|mem)\b/);
        expect(result.stdout.trim().split(/\s+/).at(-1)).toBe('0');
      });

      it('filling /tmp does not break the supervisor: the next command still runs and reports', async () => {
        await sandbox.execute(id, 'dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>/dev/null; true');
        const next = await sandbox.execute(id, ['sh', '-c', 'echo ok; df /tmp | tail -1 | tr -s " " | cut -d" " -f5']);
        expect(next.stdout).toMatch(/^ok\n100%\n$/);
        await sandbox.execute(id, ['rm', '-f', '/tmp/fill']);
      });

      it('attack 6: an argv starting with "-" is a program, never an option', async () => {
        const result = await sandbox.execute(id, ['-c', 'id']);
        expect(result.exitCode).toBe(127);
        expect(result.stdout).not.toMatch(/uid=/);
        const withEnv = await sandbox.execute(id, ['-c', 'id'], { env: { A: '1' } });
        expect(withEnv.exitCode).toBe(127);
      });

      it("attack 6: encoding 'buffer' returns the raw bytes and the cap counts bytes", async () => {
        const result = await sandbox.execute(id, 'head -c 3000 /dev/urandom; printf "\\377\\376"', {
          encoding: 'buffer',
          maxOutputBytes: 1000,
        });
        expect(Buffer.isBuffer(result.stdout)).toBe(true);
        expect(result.stdout.length).toBe(1000);
        expect(result.truncated).toBe(true);
        const exact = await sandbox.execute(id, ['printf', '\\377\\000\\376'], { encoding: 'buffer' });
        expect([...exact.stdout]).toEqual([255, 0, 254]);
        const text = await sandbox.execute(id, 'head -c 3000 /dev/urandom', { maxOutputBytes: 1000 });
        expect(Buffer.byteLength(text.stdout)).toBeLessThanOrEqual(1000);
      });

      it('attack 7: aborted and then destroyed, execute resolves as killed instead of rejecting', async () => {
        const other = await sandbox.create();
        const controller = new AbortController();
        const running = sandbox.execute(other.id, ['sleep', '1000'], { signal: controller.signal });
        await new Promise((resolve) => setTimeout(resolve, 300));
        controller.abort();
        await sandbox.destroy(other.id);
        await expect(running).resolves.toMatchObject({ timedOut: true });
      });
    });

    describe('attack 4 and the fuzz: commands ending just as their timeout fires', () => {
      let sandbox: DockerSandbox;
      let id: string;

      beforeAll(async () => {
        sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('race'), runtime });
        ({ id } = await sandbox.create());
      });

      afterAll(async () => {
        await sandbox.close();
      });

      it('never lose the sandbox: a few hundred commands timed out at their natural end', async () => {
        const total = runtime === 'runsc' ? 60 : 240;
        const outcomes: string[] = [];
        for (let batch = 0; batch < total / 4; batch += 1) {
          const results = await Promise.all(
            [0, 1, 2, 3].map((lane) => {
              const sleepMs = 50 + ((batch * 4 + lane) % 8) * 25;
              return sandbox.execute(id, ['sleep', String(sleepMs / 1000)], { timeoutMs: sleepMs + 20 });
            }),
          );
          outcomes.push(...results.map((result) => (result.timedOut ? 'killed' : String(result.exitCode))));
        }
        expect(outcomes).toHaveLength(total);
        expect(outcomes.filter((outcome) => outcome !== 'killed' && outcome !== '0')).toEqual([]);
        expect((await sandbox.getStatus(id)).state).toBe('running');
        expect((await sandbox.execute(id, ['echo', 'alive'])).stdout).toBe('alive\n');
      });
    });
  });

  describe('attack 5: another instance with the same owner id', () => {
    it('destroy(prefix) and destroy(full id) from another instance never remove a running sandbox', async () => {
      const ownerId = uniqueOwner('attack5');
      const first = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId });
      const second = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId, sweepOnStart: false });
      try {
        const { id } = await first.create();
        await second.destroy(id.slice(0, 6));
        await second.destroy(id.slice(0, 12));
        await second.destroy(id);
        expect((await first.getStatus(id)).state).toBe('running');
        expect((await first.execute(id, ['echo', 'mine'])).stdout).toBe('mine\n');
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('the default owner id is unique per process, not the shared "default"', () => {
      const sandbox = createDockerSandbox({ docker, image: TEST_IMAGE });
      expect(sandbox.ownerId).not.toBe('default');
      expect(sandbox.ownerId).toContain(String(process.pid));
    });
  });

  describe("attack 6: networkPolicy 'full' on an engine whose only networks are none and host", () => {
    it("refuses with CAPABILITY_UNSUPPORTED when fullNetwork names the host network by id, never a silent 'none'", async () => {
      const host = (await docker.listNetworks()).find((network) => network.Name === 'host');
      expect(host).toBeDefined();
      const sandbox = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId: uniqueOwner('full'),
        fullNetwork: host?.Id ?? 'missing',
      });
      await expect(sandbox.create({ networkPolicy: 'full' })).rejects.toMatchObject({
        code: 'CAPABILITY_UNSUPPORTED',
      });
      const defaulted = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('full') });
      await expect(defaulted.create({ networkPolicy: 'full' })).rejects.toMatchObject({
        code: 'CAPABILITY_UNSUPPORTED',
      });
      await Promise.all([sandbox.close(), defaulted.close()]);
    });
  });
});
