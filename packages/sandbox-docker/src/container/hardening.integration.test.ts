import { describeWithService } from '@warden/testing';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedContainerIds, TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../docker-sandbox.js';
import { buildSandboxImage } from '../image/build.js';
import { SUPERVISOR_PIDS } from './spec.js';

const LIMITS = { maxMemoryMb: 128, maxCpuPercent: 50, maxPids: 64, networkPolicy: 'none' } as const;

describeWithService('docker', 'Docker sandbox hardening (inspected on the real engine)', (dockerHost) => {
  const docker: Docker = createDockerClient(dockerHost);
  const ownerId = uniqueOwner('hardening');
  let sandbox: DockerSandbox;
  let id: string;
  let inspected: Docker.ContainerInspectInfo;
  const run = async (command: string) => sandbox.execute(id, command, { timeoutMs: 20_000 });

  beforeAll(async () => {
    sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId });
    ({ id } = await sandbox.create(LIMITS));
    inspected = await docker.getContainer(id).inspect();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('runs commands as a non-root user: uid and gid 65534 inside (the container user is the root supervisor)', async () => {
    expect(inspected.Config.User).toBe('0:0');
    expect((await run('id -u; id -g')).stdout).toBe('65534\n65534\n');
  });

  it('drops every capability: CapDrop ["ALL"], only SETUID/SETGID/KILL added for the supervisor, none of them (CapEff, CapPrm 0) for commands', async () => {
    expect(inspected.HostConfig.CapDrop).toEqual(['ALL']);
    expect([...(inspected.HostConfig.CapAdd ?? [])].sort()).toEqual(['KILL', 'SETGID', 'SETUID']);
    const status = (await run('grep -E "^Cap(Eff|Prm|Inh|Amb)" /proc/self/status')).stdout;
    expect(status).toMatch(/CapEff:\s+0{16}/);
    expect(status).toMatch(/CapPrm:\s+0{16}/);
    expect(status).toMatch(/CapAmb:\s+0{16}/);
  });

  it('sets no-new-privileges: SecurityOpt and NoNewPrivs 1 inside', async () => {
    expect(inspected.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect((await run('grep NoNewPrivs /proc/self/status')).stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it('mounts the root filesystem read-only: ReadonlyRootfs true and writes to / fail', async () => {
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    const write = await run('touch /warden-probe');
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it('gives /tmp as a size-limited noexec,nosuid tmpfs of mode 1777 the sandbox user can write', async () => {
    // A quarter of the 128 MiB memory limit (below tmpSizeMb's 64): tmpfs pages belong to no process.
    expect(inspected.HostConfig.Tmpfs?.['/tmp']).toBe('rw,noexec,nosuid,nodev,size=32m,uid=65534,gid=65534,mode=1777');
    expect(inspected.HostConfig.ShmSize).toBe(32 * 1024 * 1024);
    const mount = await run('grep " /tmp " /proc/mounts; stat -c %a /tmp; echo data > /tmp/probe && cat /tmp/probe');
    expect(mount.stdout).toMatch(/^tmpfs \/tmp tmpfs \S*\bnosuid\b\S*\bnoexec\b\S*size=32768k/m);
    expect(mount.stdout).toContain('\n1777\ndata\n');
    const executeFromTmp = await run('cp /bin/busybox /tmp/bb && /tmp/bb true');
    expect(executeFromTmp.exitCode).toBe(126);
  });

  it("uses network 'none': NetworkMode none and only the loopback interface inside", async () => {
    expect(inspected.HostConfig.NetworkMode).toBe('none');
    const interfaces = (await run('cat /proc/net/dev')).stdout
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => line.split(':')[0]?.trim());
    expect(interfaces).toEqual(['lo']);
  });

  it('limits memory with swap disabled: Memory = MemorySwap = 128 MiB, also in the cgroup', async () => {
    expect(inspected.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(inspected.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    const cgroup = await run(
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes',
    );
    expect(cgroup.stdout).toBe(`${128 * 1024 * 1024}\n${128 * 1024 * 1024}\n`);
  });

  it('sets a CPU quota: CpuQuota 50000 per CpuPeriod 100000, also in the cgroup', async () => {
    expect(inspected.HostConfig.CpuQuota).toBe(50_000);
    expect(inspected.HostConfig.CpuPeriod).toBe(100_000);
    expect((await run('cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us')).stdout).toBe('50000\n');
  });

  it(`limits processes: PidsLimit = maxPids + ${SUPERVISOR_PIDS} for the supervisor, also in the cgroup`, async () => {
    expect(inspected.HostConfig.PidsLimit).toBe(64 + SUPERVISOR_PIDS);
    expect((await run('cat /sys/fs/cgroup/pids/pids.max')).stdout).toBe(`${64 + SUPERVISOR_PIDS}\n`);
  });

  it('limits open files: Ulimits nofile 1024/1024 and ulimit -n 1024 inside', async () => {
    expect(inspected.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 1024, Hard: 1024 }]);
    expect((await run('ulimit -n; ulimit -Hn')).stdout).toBe('1024\n1024\n');
  });

  it('runs an init process as PID 1: Init true and docker-init in /proc/1/cmdline', async () => {
    expect((inspected.HostConfig as { Init?: boolean }).Init).toBe(true);
    expect((await run('tr "\\0" " " < /proc/1/cmdline')).stdout).toMatch(/^\/sbin\/docker-init -- /);
  });

  it('shares nothing with the host: not privileged, private PID/IPC/UTS, no devices, no mounts, no Docker socket', async () => {
    const host = inspected.HostConfig;
    expect(host.Privileged).toBe(false);
    expect(host.PidMode).toBe('');
    expect(host.IpcMode).toBe('private');
    expect(host.UTSMode).toBe('');
    expect(host.Devices ?? []).toEqual([]);
    expect(host.Binds ?? []).toEqual([]);
    expect(inspected.Mounts).toEqual([]);
    const probe = await run('ls /var/run/docker.sock /run/docker.sock 2>&1; ls /proc/1/root 2>&1 | head -1');
    expect(probe.stdout).not.toMatch(/^\/(var\/)?run\/docker\.sock$/m);
  });

  it('keeps no container log: LogConfig none', () => {
    expect(inspected.HostConfig.LogConfig).toEqual({ Type: 'none', Config: {} });
  });

  describe('asking for a way out', () => {
    const refused: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
      ['privileged: true', { privileged: true }],
      ["pidMode: 'host'", { pidMode: 'host' }],
      ["ipcMode: 'host'", { ipcMode: 'host' }],
      ["networkMode: 'host'", { networkMode: 'host' }],
      ["devices: ['/dev/sda']", { devices: ['/dev/sda'] }],
      ["capAdd: ['SYS_ADMIN']", { capAdd: ['SYS_ADMIN'] }],
      ["allowedPaths: ['/var/run/docker.sock']", { allowedPaths: ['/var/run/docker.sock'] }],
      ["allowedPaths: ['/var/run'] (contains the socket)", { allowedPaths: ['/var/run'] }],
      ['writablePaths: [the engine socket]', { writablePaths: [dockerHost.replace('unix://', '')] }],
      ["writablePaths: ['/dev/sda']", { writablePaths: ['/dev/sda'] }],
      ["allowedPaths: ['/proc']", { allowedPaths: ['/proc'] }],
      ["allowedPaths: ['/']", { allowedPaths: ['/'] }],
    ];

    it.each(refused)('create({ %s }) throws INVALID_INPUT and creates nothing', async (_label, constraints) => {
      const before = await ownedContainerIds(docker, ownerId);
      await expect(sandbox.create(constraints as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await ownedContainerIds(docker, ownerId)).toEqual(before);
    });

    it.each([
      ['privileged: true', { privileged: true }],
      ["fullNetwork: 'host'", { fullNetwork: 'host' }],
      ['egressProxy on the host network', { egressProxy: { network: 'host', url: 'http://proxy:3128' } }],
      ["user: '0:0'", { user: '0:0' }],
      ['hostConfig: { Privileged: true }', { hostConfig: { Privileged: true } }],
    ])('createDockerSandbox({ %s }) throws INVALID_INPUT', (_label, settings) => {
      expect(() => createDockerSandbox({ docker, ...(settings as object) })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    });
  });

  it('an image declaring a VOLUME (a writable host-disk mount outside the tmpfs bound) is refused: SANDBOX_HARDENING_FAILED, nothing left', async () => {
    const image = 'warden-sandbox-volume:test';
    await buildSandboxImage({
      docker,
      tag: image,
      dockerfile: `FROM ${TEST_IMAGE}\nUSER 0:0\nRUN ["/bin/busybox", "mkdir", "-m", "1777", "/data"]\nVOLUME /data\n`,
    });
    const volumeOwner = uniqueOwner('volume');
    const withVolume = createDockerSandbox({ docker, image, ownerId: volumeOwner });
    try {
      await expect(withVolume.create()).rejects.toMatchObject({
        code: 'SANDBOX_HARDENING_FAILED',
        failures: [expect.stringContaining('/data')],
      });
      expect(await ownedContainerIds(docker, volumeOwner)).toEqual([]);
    } finally {
      await withVolume.close();
    }
  });
});
