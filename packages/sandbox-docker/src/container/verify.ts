/**
 * Re-inspection after create: the adapter refuses a container whose hardening or limits did not
 * take (an engine that ignores a setting, a plugin that rewrites it), rather than run it weaker.
 *
 * @module
 */
import type Docker from 'dockerode';
import type { ExpectedHardening } from './spec.js';

type HostConfig = Docker.ContainerInspectInfo['HostConfig'] & {
  Init?: boolean | null;
  CgroupnsMode?: string;
  Runtime?: string;
  Mounts?: Array<{
    Type?: string;
    Source?: string;
    Target?: string;
    ReadOnly?: boolean;
    BindOptions?: { Propagation?: string; NonRecursive?: boolean } | null;
  }>;
};

function check(failures: string[], setting: string, expected: unknown, actual: unknown): void {
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    failures.push(`${setting}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual ?? null)}`);
  }
}

function hasTmpfsOptions(failures: string[], mounts: Record<string, string>, path: string, expected: string): void {
  const actual = mounts[path];
  const missing = expected.split(',').filter((option) => !(actual ?? '').split(',').includes(option));
  if (missing.length > 0)
    failures.push(`tmpfs ${path}: missing ${missing.join(',')} (got ${JSON.stringify(actual ?? null)})`);
}

function checkIsolation(failures: string[], host: HostConfig, expected: ExpectedHardening): void {
  check(failures, 'Privileged', false, host.Privileged);
  check(failures, 'CapDrop', ['ALL'], host.CapDrop);
  check(failures, 'CapAdd', [...expected.capAdd].sort(), [...(host.CapAdd ?? [])].sort());
  check(failures, 'Runtime', expected.runtime, host.Runtime ?? 'runc');
  const securityOptions: string[] = host.SecurityOpt ?? [];
  if (!securityOptions.some((option) => /^no-new-privileges(?:[:=]true)?$/.test(option))) {
    failures.push(`SecurityOpt: expected no-new-privileges, got ${JSON.stringify(securityOptions)}`);
  }
  if (securityOptions.some((option) => /unconfined/.test(option))) {
    failures.push(`SecurityOpt: unconfined profile ${JSON.stringify(securityOptions)}`);
  }
  check(failures, 'ReadonlyRootfs', true, host.ReadonlyRootfs);
  check(failures, 'Init', true, host.Init);
  for (const [setting, value] of [
    ['PidMode', host.PidMode],
    ['IpcMode', host.IpcMode],
    ['UTSMode', host.UTSMode],
    ['UsernsMode', host.UsernsMode],
  ] as const) {
    if (value === 'host' || String(value ?? '').startsWith('container:')) failures.push(`${setting}: shares ${value}`);
  }
  if ((host.Devices ?? []).length > 0) failures.push(`Devices: expected none, got ${JSON.stringify(host.Devices)}`);
  if ((host.Binds ?? []).length > 0) failures.push(`Binds: expected none, got ${JSON.stringify(host.Binds)}`);
  // "private": a "shareable" namespace can be joined by another container (`ipc: container:…`).
  check(failures, 'IpcMode', 'private', host.IpcMode);
  check(failures, 'OomKillDisable', false, host.OomKillDisable ?? false);
  check(failures, 'OomScoreAdj', expected.oomScoreAdj, host.OomScoreAdj);
  check(failures, 'LogConfig', expected.logDriver, host.LogConfig?.Type);
}

function checkLimits(failures: string[], host: HostConfig, expected: ExpectedHardening): void {
  check(failures, 'Memory', expected.memoryBytes, host.Memory);
  check(failures, 'MemorySwap', expected.memoryBytes, host.MemorySwap);
  check(failures, 'ShmSize', expected.shmBytes, host.ShmSize);
  // The quota is per period: a shorter period multiplies the CPU it buys.
  check(failures, 'CpuPeriod', expected.cpuPeriod, host.CpuPeriod);
  check(failures, 'CpuQuota', expected.cpuQuota, host.CpuQuota);
  check(failures, 'PidsLimit', expected.pidsLimit, host.PidsLimit);
  check(failures, 'NetworkMode', expected.networkMode, host.NetworkMode);
  const nofile = (host.Ulimits ?? []).find((ulimit) => ulimit.Name === 'nofile');
  check(
    failures,
    'Ulimits.nofile',
    { soft: expected.nofile, hard: expected.nofile },
    { soft: nofile?.Soft, hard: nofile?.Hard },
  );
  if (expected.nproc !== undefined) {
    const nproc = (host.Ulimits ?? []).find((ulimit) => ulimit.Name === 'nproc');
    check(
      failures,
      'Ulimits.nproc',
      { soft: expected.nproc, hard: expected.nproc },
      { soft: nproc?.Soft, hard: nproc?.Hard },
    );
  }
  for (const [path, options] of Object.entries(expected.tmpfs))
    hasTmpfsOptions(failures, host.Tmpfs ?? {}, path, options);
  const mounts = (host.Mounts ?? []).map((mount) => ({
    source: mount.Source,
    target: mount.Target,
    readOnly: mount.ReadOnly ?? false,
  }));
  check(failures, 'Mounts', expected.mounts, mounts);
  // A recursive bind carries the host's mounts below the path, writable even under a read-only one.
  for (const mount of host.Mounts ?? []) {
    if (mount.BindOptions?.NonRecursive !== true || mount.BindOptions.Propagation !== 'rprivate') {
      failures.push(
        `Mounts: ${mount.Target} must be bound non-recursive and rprivate, got ${JSON.stringify(mount.BindOptions ?? null)}`,
      );
    }
  }
}

/**
 * Every mount the engine gave the container, as listed at the top level of the inspection: only
 * the expected binds. An image's `VOLUME` shows up there only (never in `HostConfig`), and it
 * would be a writable directory on the host's disk, outside the read-only root and the tmpfs size.
 */
function checkContainerMounts(failures: string[], inspected: Docker.ContainerInspectInfo, expected: ExpectedHardening) {
  for (const mount of inspected.Mounts ?? []) {
    const asked = expected.mounts.some(
      (bind) =>
        mount.Type === 'bind' &&
        mount.Source === bind.source &&
        mount.Destination === bind.target &&
        mount.RW === !bind.readOnly,
    );
    if (!asked) failures.push(`Mounts: unexpected ${mount.Type} at ${mount.Destination} (a VOLUME of the image?)`);
  }
}

/**
 * Compares an inspected container with what the adapter asked for and lists every setting that
 * did not take, as `setting: expected …, got …`. Empty means the container is as hardened as asked.
 */
export function findHardeningFailures(inspected: Docker.ContainerInspectInfo, expected: ExpectedHardening): string[] {
  const failures: string[] = [];
  check(failures, 'User', expected.user, inspected.Config.User);
  // An image variable the engine merged in (the tag moved to another image after it was read)
  // would reach root's processes.
  check(failures, 'Env', [...expected.env].sort(), [...(inspected.Config.Env ?? [])].sort());
  const host = inspected.HostConfig as HostConfig;
  checkIsolation(failures, host, expected);
  checkLimits(failures, host, expected);
  checkContainerMounts(failures, inspected, expected);
  return failures;
}

/**
 * What the supervisor reported from inside the running container, checked against the promise:
 * commands run as the sandbox uid (never root), with no supplementary group but the sandbox gid
 * (`groups`: comma-separated, `-` for none), and `/tmp` is shared. A supervisor in fallback mode
 * reports its own uid, not the commands' (Engine-API exec sets their user), so `uid` and `groups`
 * are then left out: each command checks its own groups anyway.
 */
export function findRuntimeFailures(
  runtime: { uid?: string; tmpMode: string; groups?: string },
  expectedUid: number,
  expectedGid?: number,
): string[] {
  const failures: string[] = [];
  if (runtime.uid !== undefined && (runtime.uid === '0' || runtime.uid !== String(expectedUid))) {
    failures.push(`uid inside the sandbox: expected ${expectedUid}, got "${runtime.uid}"`);
  }
  if (runtime.groups !== undefined) {
    const groups = runtime.groups === '-' ? [] : runtime.groups.split(',');
    if (groups.some((group) => group !== String(expectedGid))) {
      failures.push(
        `supplementary groups of commands: expected none but ${expectedGid}, got "${runtime.groups}" (the image's /etc/group lists the sandbox user)`,
      );
    }
  }
  if (runtime.tmpMode !== '1777')
    failures.push(`/tmp mode inside the sandbox: expected 1777, got "${runtime.tmpMode}"`);
  return failures;
}
