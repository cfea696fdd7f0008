/**
 * Creating one sandbox container: create, re-inspect and refuse if hardening did not take,
 * attach, start, and wait for the supervisor to report from inside. Anything that fails removes
 * the container, so a refused sandbox leaves nothing behind.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { BackendUnavailableError, SandboxHardeningError } from '@warden/core';
import type Docker from 'dockerode';
import { engineStatus, toWardenError } from '../errors.js';
import { execThroughEngine, readOomKillCount } from '../exec/engine-exec.js';
import { SupervisorConnection } from '../exec/supervisor.js';
import { findMountChanges, type ResolvedMount } from '../limits/paths.js';
import type { NetworkPlan } from '../limits/plan.js';
import type { ResolvedDockerSandboxSettings } from '../limits/settings.js';
import { buildSandboxLabels } from './labels.js';
import { buildContainerSpec, type ContainerSpecInput, type EffectiveConstraints, expectedHardening } from './spec.js';
import { removeContainer } from './sweep.js';
import { findHardeningFailures, findRuntimeFailures } from './verify.js';

/** A started sandbox as the adapter tracks it. */
export interface SandboxRecord {
  /** The container id, which is also the sandbox id. */
  id: string;
  container: Docker.Container;
  createdAt: string;
  constraints: EffectiveConstraints;
  configHash: string;
  session: string;
  supervisor: SupervisorConnection;
  /** True when commands go through the supervisor; false means Engine-API exec. */
  fastExec: boolean;
  /** OOM kills seen so far (Engine-API exec mode), to tell a new one. */
  oomKillsSeen: number;
  /**
   * The image's environment (its `PATH`, or Docker's default), given to every command with the
   * request: the container's own environment is root's, and holds none of it.
   */
  imageEnv: Readonly<Record<string, string>>;
  /** Set once `destroy` began: commands still running then resolve as killed. */
  destroyed?: boolean;
}

/** Everything {@link startSandboxContainer} needs for one sandbox. */
export interface SandboxStartRequest {
  constraints: EffectiveConstraints;
  /** The constraints' paths, resolved and checked. */
  mounts: readonly ResolvedMount[];
  network: NetworkPlan;
  configHash: string;
  session: string;
  createdAt: string;
}

function containerName(session: string): string {
  const suffix = randomBytes(6).toString('hex');
  return session ? `warden-${session}-${suffix}` : `warden-${suffix}`;
}

async function withTimeout<Value>(promise: Promise<Value>, timeoutMs: number, message: string): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendUnavailableError({ backend: 'docker', message })), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Docker's `PATH` for an image that sets none. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A name a POSIX shell can export: others are removed from the container and not passed on. */
const PORTABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function missingImage(image: string, cause: unknown): BackendUnavailableError {
  return new BackendUnavailableError({
    backend: 'docker',
    message: `Sandbox image "${image}" is not on the engine; build it with buildSandboxImage() or set settings.image`,
    cause,
  });
}

/**
 * The image's environment (`Config.Env`): every name, to remove each from the container's
 * environment (root's), and the variables commands get, `PATH` defaulted as Docker would.
 */
async function readImageEnv(docker: Docker, image: string): Promise<{ names: string[]; env: Record<string, string> }> {
  let entries: string[];
  try {
    entries = (await docker.getImage(image).inspect()).Config?.Env ?? [];
  } catch (error) {
    if (engineStatus(error) === 404) throw missingImage(image, error);
    throw toWardenError(error, 'inspecting the sandbox image');
  }
  const names: string[] = [];
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = at < 0 ? entry : entry.slice(0, at);
    if (name === '') continue;
    names.push(name);
    if (at >= 0 && PORTABLE_NAME.test(name)) env[name] = entry.slice(at + 1);
  }
  return { names, env };
}

async function createContainer(
  docker: Docker,
  spec: Docker.ContainerCreateOptions,
  image: string,
): Promise<Docker.Container> {
  try {
    return await docker.createContainer(spec);
  } catch (error) {
    if (engineStatus(error) === 404) throw missingImage(image, error);
    throw toWardenError(error, 'creating a sandbox container');
  }
}

/**
 * Without the supervisor's tools, `/tmp` is made shared (mode 1777) by its owner, the sandbox
 * user, through an exec; returns the mode it then has.
 */
async function shareTmp(
  container: Docker.Container,
  settings: ResolvedDockerSandboxSettings,
  tmpMode: string,
): Promise<string> {
  if (tmpMode === '1777') return tmpMode;
  const result = await execThroughEngine(
    container,
    {
      argv: ['/bin/sh', '-c', 'chmod 1777 /tmp 2>/dev/null; stat -c %a /tmp'],
      env: {},
      cwd: undefined,
      stdin: undefined,
      timeoutMs: settings.startTimeoutMs,
      signal: undefined,
      maxOutputBytes: 64,
    },
    settings.user,
  );
  return result.stdout.toString('utf8').trim();
}

/** Starts the container and waits for the supervisor's report; checks it from inside. */
async function startAndVerify(
  container: Docker.Container,
  settings: ResolvedDockerSandboxSettings,
): Promise<{ supervisor: SupervisorConnection; fastExec: boolean }> {
  const supervisor = await SupervisorConnection.attach(container);
  try {
    await container.start();
    const hello = await withTimeout(
      supervisor.hello,
      settings.startTimeoutMs,
      'The sandbox did not report ready in time',
    );
    const tmpMode = hello.mode === 'fallback' ? await shareTmp(container, settings, hello.tmpMode) : hello.tmpMode;
    const failures = findRuntimeFailures(hello.mode === 'supervise' ? hello : { tmpMode }, settings.uid, settings.gid);
    if (failures.length > 0) throw new SandboxHardeningError({ failures });
    return { supervisor, fastExec: hello.mode === 'supervise' };
  } catch (error) {
    supervisor.close();
    throw error;
  }
}

/** Creates, verifies and starts one hardened sandbox container. */
export async function startSandboxContainer(
  docker: Docker,
  settings: ResolvedDockerSandboxSettings,
  request: SandboxStartRequest,
): Promise<SandboxRecord> {
  const imageEnv = await readImageEnv(docker, settings.image);
  const input: ContainerSpecInput = {
    name: containerName(request.session),
    imageEnvNames: imageEnv.names,
    constraints: request.constraints,
    networkMode: request.network.networkMode,
    adapterEnv: request.network.adapterEnv,
    labels: buildSandboxLabels({ ...request, ownerId: settings.ownerId, extra: settings.labels }),
    mounts: request.mounts,
  };
  const container = await createContainer(docker, buildContainerSpec(input, settings), settings.image);
  try {
    const failures = [
      ...findHardeningFailures(await container.inspect(), expectedHardening(input, settings)),
      ...findMountChanges(request.mounts),
    ];
    if (failures.length > 0) throw new SandboxHardeningError({ failures });
    const { supervisor, fastExec } = await startAndVerify(container, settings);
    // A path swapped between the check and the engine's bind (at start) is caught here.
    const swapped = findMountChanges(request.mounts);
    if (swapped.length > 0) {
      supervisor.close();
      throw new SandboxHardeningError({ failures: swapped });
    }
    const oomKillsSeen = fastExec ? 0 : await readOomKillCount(container, settings.user);
    return { ...request, id: container.id, container, supervisor, fastExec, oomKillsSeen, imageEnv: imageEnv.env };
  } catch (error) {
    await removeContainer(docker, container.id).catch(() => {});
    throw toWardenError(error, 'starting a sandbox');
  }
}
