/**
 * Turns effective constraints into the Engine API's container configuration, hardened by
 * default. {@link expectedHardening} lists what the created container must show on inspection.
 *
 * @module
 */
import type { SandboxConstraints } from '@warden/core';
import type Docker from 'dockerode';
import {
  ROOT_PATH,
  SUPERVISOR_DIRECTORY,
  SUPERVISOR_PID_DIRECTORY,
  supervisorCommand,
} from '../exec/supervisor-script.js';
import type { ResolvedMount } from '../limits/paths.js';
import type { ResolvedDockerSandboxSettings } from '../limits/settings.js';

/**
 * Processes Warden itself needs inside a sandbox, on top of `maxPids`: the init, the supervisor,
 * its warm worker with the four output readers waiting for the next command, the two that keep
 * a running command's output, and one removing the files of the last.
 */
export const SUPERVISOR_PIDS = 10;

/**
 * Under gVisor the engine's pids limit counts gVisor's own host tasks (about 90 for its kernel and
 * gofer when idle, and on the ptrace platform host tasks that grow with the commands run, about
 * ten each on Debian's 2022 gVisor), and gVisor exits with code 2 when it cannot create one. So
 * under `runsc` the engine's limit is only a host-side backstop, this far above `maxPids`; the
 * sandbox user's own processes are bounded inside gVisor's kernel by `RLIMIT_NPROC` instead
 * (per uid, exact there; under runc it would count the uid across the whole host).
 */
const RUNSC_PIDS = 8192;

/** The engine's pids limit for `maxPids` processes of the sandbox's own under `runtime`. */
function pidsLimitFor(maxPids: number, runtime: string): number {
  const own = maxPids + SUPERVISOR_PIDS;
  return runtime === 'runsc' ? own * 4 + RUNSC_PIDS : own;
}

/**
 * The only capabilities a sandbox container keeps, for its supervisor (root) alone: to start each
 * command under the sandbox user and to end what a command leaves behind. A command runs under the
 * sandbox user, so it has none of them (no-new-privileges keeps it that way).
 */
const SUPERVISOR_CAPABILITIES: readonly string[] = ['SETUID', 'SETGID', 'KILL'];

/** The container's own user: root for the supervisor; commands run as the sandbox user. */
const SUPERVISOR_USER = '0:0';

/**
 * The largest share of the memory limit each tmpfs the sandbox user can fill (`/tmp`, `/dev/shm`)
 * may take, as a divisor. Tmpfs pages count against the limit but belong to no process: with
 * tmpfs as large as the limit, filling them made the kernel's OOM killer take a process that held
 * none of it — the supervisor, stopping the sandbox. Two quarters leave half for processes.
 */
const SCRATCH_MEMORY_DIVISOR = 4;

/** Size of the pid-file tmpfs: a page per running Engine-API exec command, 256 at once. */
const PID_DIRECTORY_MB = 1;

/** Docker's own `/dev/shm` size, kept where the memory limit allows it. */
const DEFAULT_SHM_MB = 64;

/** A tmpfs size the sandbox user may fill: at most a quarter of `maxMemoryMb`, at least 1 MiB. */
function scratchSizeMb(sizeMb: number, maxMemoryMb: number): number {
  return Math.max(1, Math.min(sizeMb, Math.floor(maxMemoryMb / SCRATCH_MEMORY_DIVISOR)));
}

/**
 * How each of `allowedPaths`/`writablePaths` is bound. `rprivate`: no host mount made later
 * propagates in. Non-recursive: the host's mounts below the path (a disk, a tmpfs, a socket
 * bind-mounted onto a file there) are not carried in; a recursive bind carried them, writable even
 * under a read-only path (the engine makes only the top mount read-only), and the path checks
 * judge the one filesystem the path is on, not what is mounted inside it.
 */
const BIND_OPTIONS = { Propagation: 'rprivate', NonRecursive: true } as const;

/** CFS period in microseconds; the quota is `maxCpuPercent` percent of it. */
const CPU_PERIOD_MICROSECONDS = 100_000;

/** Constraints with every limit filled in: what a sandbox really gets. */
export type EffectiveConstraints = SandboxConstraints &
  Required<Pick<SandboxConstraints, 'maxMemoryMb' | 'maxCpuPercent' | 'maxPids' | 'networkPolicy' | 'timeoutMs'>>;

/** What the container specification needs besides the constraints. */
export interface ContainerSpecInput {
  name: string;
  constraints: EffectiveConstraints;
  /** `none`, or the network chosen for `full` / `egress-only`. */
  networkMode: string;
  /** Variables the adapter adds (proxy settings); they are not credentials. */
  adapterEnv: Readonly<Record<string, string>>;
  /**
   * Names of the image's environment variables (`Config.Env`): each is removed from the
   * container's environment, which is also root's inside the sandbox.
   */
  imageEnvNames: readonly string[];
  labels: Record<string, string>;
  /** `allowedPaths` and `writablePaths`, resolved and checked. */
  mounts: readonly ResolvedMount[];
}

/** The values a hardened container must show when inspected. */
export interface ExpectedHardening {
  user: string;
  /** The container's whole environment (`Config.Env`), a bare name meaning "removed". */
  env: readonly string[];
  capAdd: readonly string[];
  runtime: string;
  memoryBytes: number;
  shmBytes: number;
  cpuPeriod: number;
  cpuQuota: number;
  pidsLimit: number;
  nofile: number;
  /** The `nproc` ulimit (under `runsc`, where it bounds the sandbox user's processes), or none. */
  nproc: number | undefined;
  oomScoreAdj: number;
  logDriver: string;
  networkMode: string;
  tmpfs: Record<string, string>;
  mounts: Array<{ source: string; target: string; readOnly: boolean }>;
}

function tmpfsOptions(sizeMb: number, settings: ResolvedDockerSandboxSettings, mode: string): string {
  return `rw,noexec,nosuid,nodev,size=${sizeMb}m,uid=${settings.uid},gid=${settings.gid},mode=${mode}`;
}

/**
 * The container's environment, which is root's inside the sandbox (the supervisor, its workers,
 * the cleanup of Engine-API exec): every variable of the image removed (a bare name tells the
 * engine to drop it), `PATH` set to system directories, and the adapter's proxy variables. An
 * image's `LD_PRELOAD`, `LD_AUDIT`, `LD_LIBRARY_PATH`, `BASH_ENV`, `ENV`, `NODE_OPTIONS` or `PATH`
 * never reaches a process that runs as root; commands get the image's environment with each
 * request instead. The constraints' `env` is not here either: it travels with each command.
 */
function containerEnv(input: ContainerSpecInput): string[] {
  const ours = { ...input.adapterEnv, PATH: ROOT_PATH };
  const removed = input.imageEnvNames.filter((name) => !Object.hasOwn(ours, name));
  return [...new Set(removed), ...Object.entries(ours).map(([key, value]) => `${key}=${value}`)];
}

/** Every value the created container must show; {@link buildContainerSpec} produces exactly these. */
export function expectedHardening(
  input: ContainerSpecInput,
  settings: ResolvedDockerSandboxSettings,
): ExpectedHardening {
  const { constraints } = input;
  return {
    user: SUPERVISOR_USER,
    env: containerEnv(input),
    capAdd: SUPERVISOR_CAPABILITIES,
    runtime: settings.runtime,
    memoryBytes: constraints.maxMemoryMb * 1024 * 1024,
    shmBytes: scratchSizeMb(DEFAULT_SHM_MB, constraints.maxMemoryMb) * 1024 * 1024,
    cpuPeriod: CPU_PERIOD_MICROSECONDS,
    cpuQuota: Math.max(1000, Math.round((constraints.maxCpuPercent * CPU_PERIOD_MICROSECONDS) / 100)),
    pidsLimit: pidsLimitFor(constraints.maxPids, settings.runtime),
    nofile: settings.nofile,
    nproc: settings.runtime === 'runsc' ? constraints.maxPids : undefined,
    // Under host memory pressure the kernel picks sandbox processes before the host's own.
    oomScoreAdj: 500,
    // Nothing the container writes to its stdout or stderr lands on the host's disk.
    logDriver: 'none',
    networkMode: input.networkMode,
    tmpfs: {
      '/tmp': tmpfsOptions(scratchSizeMb(settings.tmpSizeMb, constraints.maxMemoryMb), settings, '1777'),
      // Captured output and stdin of running commands, root's alone (the sandbox user may only
      // traverse it); pages count against the memory limit anyway.
      [SUPERVISOR_DIRECTORY]: `rw,noexec,nosuid,nodev,size=${constraints.maxMemoryMb}m,uid=0,gid=0,mode=711`,
      // The one place there the sandbox user may write (Engine-API exec's pid files): a tmpfs of
      // its own, so filling it cannot take the memory the supervisor's directory may hold.
      [SUPERVISOR_PID_DIRECTORY]: `rw,noexec,nosuid,nodev,size=${PID_DIRECTORY_MB}m,uid=0,gid=0,mode=1733`,
    },
    // The resolved path is bound: the engine never follows a link the adapter did not check.
    mounts: input.mounts.map(({ source, target, readOnly }) => ({ source, target, readOnly })),
  };
}

/** The `createContainer` options of a hardened sandbox. */
export function buildContainerSpec(
  input: ContainerSpecInput,
  settings: ResolvedDockerSandboxSettings,
): Docker.ContainerCreateOptions {
  const expected = expectedHardening(input, settings);
  return {
    name: input.name,
    Image: settings.image,
    Cmd: supervisorCommand(settings.fastExec ? 'supervise' : 'wait', settings.user),
    Entrypoint: [],
    User: expected.user,
    WorkingDir: settings.workdir,
    // Root's environment: neither the image's nor the constraints' (see containerEnv).
    Env: [...expected.env],
    Labels: input.labels,
    Hostname: 'sandbox',
    // The supervisor reads requests from stdin; StdinOnce closes it when the owner disconnects,
    // so a crashed owner's sandboxes stop on their own instead of running forever.
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: input.networkMode === 'none',
    HostConfig: {
      Init: true,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [...expected.capAdd],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      NetworkMode: expected.networkMode,
      IpcMode: 'private',
      Tmpfs: expected.tmpfs,
      Mounts: expected.mounts.map((mount) => ({
        Type: 'bind' as const,
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly,
        BindOptions: { ...BIND_OPTIONS },
      })),
      Memory: expected.memoryBytes,
      MemorySwap: expected.memoryBytes,
      ShmSize: expected.shmBytes,
      OomKillDisable: false,
      OomScoreAdj: expected.oomScoreAdj,
      CpuPeriod: expected.cpuPeriod,
      CpuQuota: expected.cpuQuota,
      PidsLimit: expected.pidsLimit,
      Ulimits: [
        { Name: 'nofile', Soft: expected.nofile, Hard: expected.nofile },
        ...(expected.nproc === undefined ? [] : [{ Name: 'nproc', Soft: expected.nproc, Hard: expected.nproc }]),
      ],
      Devices: [],
      LogConfig: { Type: expected.logDriver, Config: {} },
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
      ...(expected.runtime === 'runc' ? {} : { Runtime: expected.runtime }),
    },
  };
}
