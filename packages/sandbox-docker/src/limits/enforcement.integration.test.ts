import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../docker-sandbox.js';

const SMALL = { maxPids: 32, maxMemoryMb: 64 } as const;

describeWithService('docker', 'Docker sandbox resource limits under attack', (dockerHost) => {
  describe.each([
    ['through the supervisor', true],
    ['through Engine-API exec (fastExec: false)', false],
  ])('%s', (_mode, fastExec) => {
    let sandbox: DockerSandbox;
    let bystander: string;

    beforeAll(async () => {
      const docker = createDockerClient(dockerHost);
      sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('limits'), fastExec });
      ({ id: bystander } = await sandbox.create(SMALL));
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('execute(id, fork bomb) hits the pids limit and is killed at its timeout; the host and other sandboxes carry on', async () => {
      const { id: victim } = await sandbox.create(SMALL);
      // The first fork happens while pids are free; `exec` keeps the command alive without forking.
      const bomb = sandbox.execute(victim, 'bomb() { bomb | bomb & }; bomb & exec sleep 60', { timeoutMs: 3_000 });
      expect(await sandbox.execute(bystander, 'echo unaffected')).toMatchObject({
        stdout: 'unaffected\n',
        exitCode: 0,
      });
      const result = await bomb;
      expect(result.timedOut).toBe(true);
      expect(result.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
      const state = (await sandbox.getStatus(victim)).state;
      if (fastExec) {
        // The supervisor kills the process group with builtins only, so it recovers even with no pid to spare.
        expect(state).toBe('running');
        const events = await sandbox.execute(victim, 'cat /sys/fs/cgroup/pids/pids.events');
        expect(Number(/^max (\d+)/m.exec(events.stdout)?.[1])).toBeGreaterThan(0);
        expect(await sandbox.execute(victim, 'echo recovered')).toMatchObject({ stdout: 'recovered\n', exitCode: 0 });
      } else {
        // Engine-API exec may find no pid left to start a killer: the adapter then kills the
        // container, and the sandbox reports itself failed rather than run on.
        expect(['running', 'error']).toContain(state);
      }
      expect(await sandbox.execute(bystander, 'echo still-fine')).toMatchObject({ stdout: 'still-fine\n' });
    });

    // Engine-API exec has no supervisor protocol to flood.
    if (fastExec)
      it('execute(id, command) trying to flood the supervisor protocol cannot reach it: the sandbox stays usable, no host memory growth', async () => {
        const { id: victim } = await sandbox.create(SMALL);
        const rssBefore = process.memoryUsage().rss;
        // PID 1 (the init) shares the supervisor's stdout, but belongs to root: opening it is denied.
        const flood = 'head -c 300000000 /dev/zero | tr "\\0" a > /proc/1/fd/1';
        const result = await sandbox.execute(victim, flood, { timeoutMs: 30_000 });
        expect(result.exitCode).not.toBe(0);
        expect(result.stderr).toMatch(/Permission denied/);
        expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
        expect(await sandbox.execute(victim, 'echo alive')).toMatchObject({ stdout: 'alive\n' });
        expect(await sandbox.execute(bystander, 'echo unaffected')).toMatchObject({ stdout: 'unaffected\n' });
      });

    it('execute(id, filling /tmp, /dev/shm and the pid-file directory) cannot make the OOM killer take the supervisor: the sandbox stays usable', async () => {
      const { id: victim } = await sandbox.create(SMALL);
      // Tmpfs pages count against the memory limit but belong to no process: with tmpfs larger
      // than the limit the kernel had to kill a process that held none of it, the supervisor too.
      const fill =
        'for d in /tmp /dev/shm /run/warden/x; do i=0; while [ $i -lt 200 ]; do i=$((i + 1));' +
        ' head -c 1048576 /dev/zero >$d/fill$i 2>/dev/null || break; done; done; echo filled';
      await sandbox.execute(victim, fill, { timeoutMs: 60_000 });
      expect((await sandbox.getStatus(victim)).state).toBe('running');
      expect(await sandbox.execute(victim, 'echo alive')).toMatchObject({ stdout: 'alive\n', exitCode: 0 });
      expect(await sandbox.execute(bystander, 'echo unaffected')).toMatchObject({ stdout: 'unaffected\n' });
    });

    it('execute(id, memory hog) is OOM-killed and reported, and the sandbox and its neighbour stay usable', async () => {
      const { id: victim } = await sandbox.create(SMALL);
      const result = await sandbox.execute(victim, 'x=0123456789; while :; do x="$x$x"; done', { timeoutMs: 30_000 });
      expect(result).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false });
      expect(await sandbox.execute(victim, 'echo alive')).toMatchObject({
        stdout: 'alive\n',
        exitCode: 0,
        oomKilled: false,
      });
      expect(await sandbox.execute(bystander, 'echo unaffected')).toMatchObject({ stdout: 'unaffected\n' });
      expect((await sandbox.getStatus(victim)).state).toBe('running');
    });
  });
});
