import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { resolveDockerSandboxSettings } from '../limits/settings.js';
import { buildContainerSpec, type ContainerSpecInput, expectedHardening } from './spec.js';
import { findHardeningFailures, findRuntimeFailures } from './verify.js';

const settings = resolveDockerSandboxSettings();
const input: ContainerSpecInput = {
  name: 'warden-test',
  constraints: {
    maxMemoryMb: 128,
    maxCpuPercent: 50,
    maxPids: 64,
    networkPolicy: 'none',
    timeoutMs: 1000,
    allowedPaths: ['/srv/data'],
  },
  networkMode: 'none',
  adapterEnv: {},
  imageEnvNames: ['LD_PRELOAD', 'PATH'],
  labels: {},
  mounts: [{ target: '/srv/data', source: '/srv/data', readOnly: true, identity: '1:1' }],
};

/** What the engine reports for a container created from the spec exactly as asked. */
function inspectedAsAsked(): Docker.ContainerInspectInfo {
  const spec = buildContainerSpec(input, settings);
  const hostConfig = {
    ...spec.HostConfig,
    SecurityOpt: ['no-new-privileges'],
    PidMode: '',
    UTSMode: '',
    UsernsMode: '',
  };
  return {
    Config: { User: spec.User, Env: spec.Env },
    HostConfig: hostConfig,
  } as unknown as Docker.ContainerInspectInfo;
}

describe('findHardeningFailures(inspected, expected)', () => {
  const expected = expectedHardening(input, settings);

  it('finds nothing when every setting took', () => {
    expect(findHardeningFailures(inspectedAsAsked(), expected)).toEqual([]);
  });

  it.each([
    ['PidsLimit', { PidsLimit: null }],
    ['MemorySwap', { MemorySwap: -1 }],
    ['ShmSize', { ShmSize: 67108864 }],
    ['CpuQuota', { CpuQuota: 0 }],
    ['Privileged', { Privileged: true }],
    ['CapDrop', { CapDrop: null }],
    ['CapAdd', { CapAdd: ['SETUID', 'SETGID', 'KILL', 'SYS_ADMIN'] }],
    ['Runtime', { Runtime: 'runsc' }],
    ['SecurityOpt', { SecurityOpt: [] }],
    ['ReadonlyRootfs', { ReadonlyRootfs: false }],
    ['Init', { Init: null }],
    ['PidMode', { PidMode: 'host' }],
    ['IpcMode', { IpcMode: 'host' }],
    ['NetworkMode', { NetworkMode: 'host' }],
    ['Devices', { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }],
    ['Binds', { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }],
    ['Ulimits.nofile', { Ulimits: [] }],
    ['tmpfs /tmp', { Tmpfs: { '/tmp': 'rw,size=64m' } }],
    ['Mounts', { Mounts: [] }],
    ['OomKillDisable', { OomKillDisable: true }],
    // The README's table promises these too: a shorter period multiplies the CPU the quota buys
    // (50 ms of every 10 ms is five CPUs, not half of one), an OOM score of -1000 makes the host's
    // OOM killer take the host's processes first, a log driver writes the supervisor's output to
    // the host's disk, and a shareable IPC namespace can be joined by another container.
    ['CpuPeriod', { CpuPeriod: 10_000 }],
    ['CpuPeriod', { CpuPeriod: 0 }],
    ['OomScoreAdj', { OomScoreAdj: -1000 }],
    ['LogConfig', { LogConfig: { Type: 'json-file', Config: {} } }],
    ['IpcMode', { IpcMode: 'shareable' }],
  ])('reports %s when the engine did not apply it', (setting, change) => {
    const inspected = inspectedAsAsked();
    Object.assign(inspected.HostConfig, change);
    expect(findHardeningFailures(inspected, expected).join('\n')).toContain(setting);
  });

  it('reports a missing nproc ulimit under runsc, where it is what bounds the sandbox user processes', () => {
    const runsc = resolveDockerSandboxSettings({ runtime: 'runsc' });
    const spec = buildContainerSpec(input, runsc);
    const inspected = inspectedAsAsked();
    Object.assign(inspected.HostConfig, { Runtime: 'runsc', PidsLimit: spec.HostConfig?.PidsLimit });
    const expectedUnderRunsc = expectedHardening(input, runsc);
    expect(findHardeningFailures(inspected, expectedUnderRunsc).join('\n')).toContain('Ulimits.nproc');
    Object.assign(inspected.HostConfig, { Ulimits: spec.HostConfig?.Ulimits });
    expect(findHardeningFailures(inspected, expectedUnderRunsc)).toEqual([]);
  });

  it('reports a mount the spec never asked for, such as a VOLUME the image declares', () => {
    const inspected = inspectedAsAsked();
    const bind = { Type: 'bind', Source: '/srv/data', Destination: '/srv/data', RW: false };
    const volume = { Type: 'volume', Source: '/var/lib/docker/volumes/v/_data', Destination: '/data', RW: true };
    inspected.Mounts = [bind] as Docker.ContainerInspectInfo['Mounts'];
    expect(findHardeningFailures(inspected, expected)).toEqual([]);
    inspected.Mounts = [bind, volume] as Docker.ContainerInspectInfo['Mounts'];
    expect(findHardeningFailures(inspected, expected)).toEqual([expect.stringContaining('volume at /data')]);
    inspected.Mounts = [{ ...bind, RW: true }] as Docker.ContainerInspectInfo['Mounts'];
    expect(findHardeningFailures(inspected, expected)).toEqual([expect.stringContaining('bind at /srv/data')]);
  });

  it('binds each path non-recursive and rprivate, and reports a recursive bind (it carries host submounts writable)', () => {
    const spec = buildContainerSpec(input, settings);
    expect(spec.HostConfig?.Mounts?.[0]?.BindOptions).toEqual({ Propagation: 'rprivate', NonRecursive: true });
    for (const BindOptions of [{ Propagation: 'rprivate' }, { Propagation: 'rshared', NonRecursive: true }, null]) {
      const inspected = inspectedAsAsked();
      const mounts = inspected.HostConfig.Mounts as unknown as Array<Record<string, unknown>>;
      mounts[0] = { ...mounts[0], BindOptions };
      expect(findHardeningFailures(inspected, expected)).toEqual([expect.stringContaining('non-recursive')]);
    }
  });

  it('reports a different container user (the supervisor must be root to start commands as the sandbox user)', () => {
    const inspected = inspectedAsAsked();
    inspected.Config.User = '65534:65534';
    expect(findHardeningFailures(inspected, expected)).toEqual([expect.stringContaining('User')]);
  });

  it("removes every image variable from root's environment and reports one the engine merged back in", () => {
    expect(expected.env).toEqual(['LD_PRELOAD', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
    const inspected = inspectedAsAsked();
    inspected.Config.Env = [...expected.env, 'NODE_OPTIONS=--require /tmp/x.js'];
    expect(findHardeningFailures(inspected, expected)).toEqual([expect.stringContaining('Env')]);
  });
});

describe('findRuntimeFailures(runtime, expectedUid)', () => {
  it('leaves the uid out for a supervisor in fallback mode (Engine-API exec sets the user)', () => {
    expect(findRuntimeFailures({ tmpMode: '1777' }, 65534)).toEqual([]);
  });

  it('accepts the expected uid and a /tmp of mode 1777', () => {
    expect(findRuntimeFailures({ uid: '65534', tmpMode: '1777' }, 65534)).toEqual([]);
  });

  it('reports root, another uid, an unknown uid, and a /tmp the user cannot share', () => {
    expect(findRuntimeFailures({ uid: '0', tmpMode: '1777' }, 65534)).toHaveLength(1);
    expect(findRuntimeFailures({ uid: '1000', tmpMode: '1777' }, 65534)).toHaveLength(1);
    expect(findRuntimeFailures({ uid: '', tmpMode: '' }, 65534)).toHaveLength(2);
    expect(findRuntimeFailures({ uid: '65534', tmpMode: '755' }, 65534)).toHaveLength(1);
  });

  it("accepts commands with no supplementary group, or only the sandbox gid, and reports any other (an image's /etc/group)", () => {
    expect(findRuntimeFailures({ uid: '65534', tmpMode: '1777', groups: '-' }, 65534, 65534)).toEqual([]);
    expect(findRuntimeFailures({ uid: '65534', tmpMode: '1777', groups: '65534' }, 65534, 65534)).toEqual([]);
    for (const groups of ['0,65534', '6', '?', '', '65534,999']) {
      expect(findRuntimeFailures({ uid: '65534', tmpMode: '1777', groups }, 65534, 65534)).toHaveLength(1);
    }
  });
});
