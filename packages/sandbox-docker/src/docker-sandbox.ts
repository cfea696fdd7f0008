/**
 * `Sandbox` on a Docker engine, hardened by default.
 *
 * @module
 */

import { inspect } from 'node:util';
import {
  BackendUnavailableError,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOptions,
  execOptionsSchema,
  parseInput,
  type Sandbox,
  type SandboxCommand,
  type SandboxConstraints,
  SandboxNotFoundError,
  type SandboxStatus,
  sandboxCommandSchema,
  sandboxIdSchema,
  toIsoTime,
} from '@warden/core';
import type Docker from 'dockerode';
import { z } from 'zod';
import { SANDBOX_LABELS } from './container/labels.js';
import { WarmPool } from './container/pool.js';
import { type SandboxRecord, type SandboxStartRequest, startSandboxContainer } from './container/start.js';
import { removeContainer, removeOwnedSandboxes, sweepOrphanedSandboxes } from './container/sweep.js';
import { createDockerClient } from './docker-client.js';
import { engineStatus, toWardenError } from './errors.js';
import { execThroughEngine, readOomKillCount } from './exec/engine-exec.js';
import { utf8Prefix } from './exec/stream.js';
import type { CommandRequest, CommandResult, DockerExecBufferResult, DockerExecResult } from './exec/types.js';
import { filterCredentialEnv } from './limits/env.js';
import { findEngineSockets, type ResolvedMount, resolveMounts } from './limits/paths.js';
import {
  assertWithinCeilings,
  configurationHash,
  planConstraints,
  planNetwork,
  resolveCeilings,
} from './limits/plan.js';
import {
  type DockerSandboxConfig,
  type ResolvedDockerSandboxSettings,
  resolveDockerSandboxSettings,
} from './limits/settings.js';

/** A session name as it appears in container names and labels; empty for none. */
const sessionNameSchema = z.union([
  z.literal(''),
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
      'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ),
]);

/** A full container id: the only reference by-id calls accept (never a prefix, never a name). */
const FULL_CONTAINER_ID = /^[0-9a-f]{64}$/;

/** {@link ExecOptions} plus how the output comes back. */
export interface DockerExecOptions extends ExecOptions {
  /**
   * `'utf8'` returns text cut before a character the cap would split; `'buffer'` returns the raw
   * bytes. Either way `maxOutputBytes` counts bytes. @default 'utf8'
   */
  encoding?: 'utf8' | 'buffer';
}

const encodingSchema = z.enum(['utf8', 'buffer']).optional();

/** What a command whose sandbox was destroyed under it returns: killed, like a timeout. */
function killedResult(startedAt: number): CommandResult {
  return {
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    exitCode: 137,
    timedOut: true,
    truncated: false,
    durationMs: Math.round(performance.now() - startedAt),
    oomKilled: false,
  };
}

/** Maps an inspected container state to the port's lifecycle. */
function stateOf(
  record: SandboxRecord,
  state: Docker.ContainerInspectInfo['State'],
): Pick<SandboxStatus, 'state' | 'error'> {
  if (state.Status === 'running' && record.supervisor.isOpen) return { state: 'running' };
  if (state.Status === 'created' || state.Status === 'restarting') return { state: 'creating' };
  if (state.Status === 'paused') return { state: 'stopped' };
  if (state.Status === 'removing') return { state: 'destroyed' };
  const reason = state.OOMKilled ? ', out of memory' : '';
  return { state: 'error', error: `The sandbox container is ${state.Status} (exit code ${state.ExitCode}${reason})` };
}

function statusOf(record: SandboxRecord, state: Pick<SandboxStatus, 'state' | 'error'>): SandboxStatus {
  return { id: record.id, createdAt: record.createdAt, constraints: structuredClone(record.constraints), ...state };
}

/**
 * A {@link Sandbox} on a Docker engine. Prefer {@link createDockerSandbox}.
 *
 * Each sandbox is a container hardened by default (see the package README for the table), whose
 * main process is a small supervisor that runs commands sent over its attached stdin. Sandboxes
 * live as long as this instance: `close()` removes them, and if the process dies they stop on
 * their own and the next instance's startup sweep removes them.
 */
export class DockerSandbox implements Sandbox {
  /** The port version implemented. */
  readonly specificationVersion = 'sandbox-v1' as const;
  /** Identifies the backend. */
  readonly providerId: string = 'docker';
  /** The engine client (injected, or owned by this instance). */
  readonly docker: Docker;
  private readonly settings: ResolvedDockerSandboxSettings;
  private readonly records = new Map<string, SandboxRecord>();
  private readonly destroying = new Map<string, Promise<void>>();
  private readonly pool: WarmPool<SandboxRecord> | undefined;
  private startup: Promise<void> | undefined;
  private ceilings: ReturnType<typeof resolveCeilings> | undefined;
  private dataRoots: Promise<string[]> | undefined;
  private poolConfigHash: string | undefined;
  private closed = false;

  /** Parses `config` (throws `InvalidInputError` naming the field); opens no connection. */
  constructor(config: DockerSandboxConfig = {}) {
    this.settings = resolveDockerSandboxSettings(config);
    this.docker = this.settings.docker ?? createDockerClient(this.settings.dockerHost);
    if (this.settings.poolSize > 0) {
      this.pool = new WarmPool({
        size: this.settings.poolSize,
        make: () => this.startPooled(),
        discard: (record) => this.removeRecord(record),
        isAlive: (record) => record.supervisor.isOpen,
      });
    }
  }

  /** The owner id in this instance's labels. */
  get ownerId(): string {
    return this.settings.ownerId;
  }

  /** Creates and starts a sandbox; resolves once it can run commands. */
  create(constraints?: SandboxConstraints): Promise<SandboxStatus> {
    return this.createForSession(constraints, '');
  }

  /**
   * Like `create`, labelling the sandbox with a session name (letters, digits, `.`, `_`, `-`;
   * anything else is `INVALID_INPUT`).
   */
  async createForSession(constraints: unknown, session: string): Promise<SandboxStatus> {
    this.assertOpen();
    parseInput(sessionNameSchema, session, 'session name');
    const effective = planConstraints(constraints, this.settings);
    const mounts = await this.resolveMounts(effective);
    await this.ensureStarted();
    assertWithinCeilings(effective, await this.engineCeilings());
    const network = await planNetwork(this.docker, effective, this.settings);
    const configHash = configurationHash(effective, network, this.settings);
    const createdAt = toIsoTime(this.settings.now());
    const pooled =
      session === '' && mounts.length === 0 && configHash === this.poolConfigHash ? this.pool?.take() : undefined;
    const record = pooled
      ? { ...pooled, createdAt, constraints: effective }
      : await startSandboxContainer(this.docker, this.settings, {
          constraints: effective,
          mounts,
          network,
          configHash,
          session,
          createdAt,
        });
    if (this.closed) {
      await this.removeRecord(record);
      throw new BackendUnavailableError({ backend: 'docker', message: 'The Docker sandbox was closed' });
    }
    this.records.set(record.id, record);
    return statusOf(record, { state: 'running' });
  }

  /**
   * Runs one command in a running sandbox; a non-zero exit is a result, not an error. A command
   * still running when its sandbox is destroyed (after an abort or not) resolves as killed:
   * `timedOut: true`, exit code 137.
   */
  execute(
    id: string,
    command: SandboxCommand,
    options?: DockerExecOptions & { encoding?: 'utf8' },
  ): Promise<DockerExecResult>;
  /** Like `execute`, returning standard output and error as raw bytes. */
  execute(
    id: string,
    command: SandboxCommand,
    options: DockerExecOptions & { encoding: 'buffer' },
  ): Promise<DockerExecBufferResult>;
  async execute(
    id: string,
    command: SandboxCommand,
    options?: DockerExecOptions,
  ): Promise<DockerExecResult | DockerExecBufferResult> {
    const sandboxId = parseInput(sandboxIdSchema, id, 'sandbox id');
    const parsedCommand = parseInput(sandboxCommandSchema, command, 'command');
    const { encoding: requestedEncoding, ...portOptions } = options ?? {};
    const encoding = parseInput(encodingSchema, requestedEncoding, 'execute options.encoding') ?? 'utf8';
    const parsedOptions = parseInput(execOptionsSchema, portOptions, 'execute options');
    const record = this.records.get(sandboxId);
    if (record === undefined) throw new SandboxNotFoundError({ id: sandboxId });
    const request = this.commandRequest(record, parsedCommand, parsedOptions);
    const startedAt = performance.now();
    let result: CommandResult;
    try {
      result = record.fastExec
        ? await record.supervisor.run(request)
        : await this.executeThroughEngine(record, request);
    } catch (error) {
      if (record.destroyed !== true) throw toWardenError(error, `running a command in sandbox ${sandboxId}`);
      result = killedResult(startedAt);
    }
    return encoding === 'buffer' ? asBytes(result, request.maxOutputBytes) : asText(result, request.maxOutputBytes);
  }

  /** Reports one sandbox this instance manages, with its live container state. */
  async getStatus(id: string): Promise<SandboxStatus> {
    const sandboxId = parseInput(sandboxIdSchema, id, 'sandbox id');
    const record = this.records.get(sandboxId);
    if (record === undefined) throw new SandboxNotFoundError({ id: sandboxId });
    try {
      return statusOf(record, stateOf(record, (await record.container.inspect()).State));
    } catch (error) {
      if (engineStatus(error) !== 404) throw toWardenError(error, `inspecting sandbox ${sandboxId}`);
      return statusOf(record, { state: 'error', error: 'The sandbox container was removed outside Warden' });
    }
  }

  /**
   * Stops and removes a sandbox. Idempotent. Also removes a Warden container of this owner that
   * this instance does not track (an orphan); containers of other owners are left alone.
   */
  async destroy(id: string): Promise<void> {
    const sandboxId = parseInput(sandboxIdSchema, id, 'sandbox id');
    // Concurrent calls share one removal, so every one of them resolves.
    let destroyed = this.destroying.get(sandboxId);
    if (destroyed === undefined) {
      destroyed = this.destroyById(sandboxId).finally(() => this.destroying.delete(sandboxId));
      this.destroying.set(sandboxId, destroyed);
    }
    return destroyed;
  }

  /** Lists the sandboxes this instance manages, with their live state. */
  async list(): Promise<SandboxStatus[]> {
    return Promise.all([...this.records.keys()].map((id) => this.getStatus(id)));
  }

  /** Fills the warm pool (if configured) and resolves once it is full. */
  async warmUp(): Promise<void> {
    this.assertOpen();
    await this.ensureStarted();
    await this.pool?.warmUp();
  }

  /** Removes this owner's stopped Warden containers left by a crashed process; returns their ids. */
  sweepOrphans(): Promise<string[]> {
    return sweepOrphanedSandboxes(this.docker, {
      ownerId: this.settings.ownerId,
      keep: new Set(this.records.keys()),
      // A container still "created" may be another instance's create in progress.
      createdBefore: this.settings.now() - this.settings.startTimeoutMs - 60_000,
    });
  }

  /** Removes every sandbox of this owner: this instance's and any other container carrying its labels. */
  async cleanupAll(): Promise<string[]> {
    const mine = [...this.records.keys()];
    await Promise.all(mine.map((id) => this.destroy(id)));
    return [...mine, ...(await removeOwnedSandboxes(this.docker, this.settings.ownerId))];
  }

  /** Removes every sandbox this instance created (pooled ones too) and stops refilling the pool. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
    await Promise.allSettled([...this.records.keys()].map((id) => this.destroy(id)));
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendUnavailableError({ backend: 'docker', message: 'The Docker sandbox was closed' });
  }

  /** The startup sweep, once per instance, before the first sandbox is created. */
  private ensureStarted(): Promise<void> {
    this.startup ??= (async () => {
      if (this.settings.sweepOnStart) await this.sweepOrphans();
      if (this.pool) {
        this.poolConfigHash = await this.defaultConfigHash();
        this.pool.refill();
      }
    })().catch((error: unknown) => {
      this.startup = undefined;
      throw toWardenError(error, 'starting the Docker sandbox');
    });
    return this.startup;
  }

  private engineCeilings(): ReturnType<typeof resolveCeilings> {
    this.ceilings ??= resolveCeilings(this.docker, this.settings.ceilings).catch((error: unknown) => {
      this.ceilings = undefined;
      throw error;
    });
    return this.ceilings;
  }

  private async defaultPlan(): Promise<Omit<SandboxStartRequest, 'createdAt'>> {
    const constraints = planConstraints({}, this.settings);
    const mounts = await this.resolveMounts(constraints);
    const network = await planNetwork(this.docker, constraints, this.settings);
    return {
      constraints,
      mounts,
      network,
      configHash: configurationHash(constraints, network, this.settings),
      session: '',
    };
  }

  /** Resolves and checks the constraints' host paths against this engine's socket and data root. */
  private async resolveMounts(constraints: SandboxConstraints): Promise<ResolvedMount[]> {
    const sockets = findEngineSockets(this.docker, this.settings.dockerHost);
    // Checked without the engine first, so a refused path is INVALID_INPUT before any engine call.
    const mounts = resolveMounts(constraints, sockets, this.settings.symlinkRoots);
    if (mounts.length === 0) return mounts;
    return resolveMounts(constraints, sockets, this.settings.symlinkRoots, await this.engineDataRoots());
  }

  /**
   * The engine's data root (`DockerRootDir`), read once: with `--data-root` it may be anywhere,
   * and it holds every image layer, container and volume as much as `/var/lib/docker` does.
   */
  private engineDataRoots(): Promise<string[]> {
    this.dataRoots ??= this.docker.info().then(
      (info: { DockerRootDir?: unknown }) =>
        typeof info.DockerRootDir === 'string' && info.DockerRootDir.startsWith('/') ? [info.DockerRootDir] : [],
      (error: unknown) => {
        this.dataRoots = undefined;
        throw toWardenError(error, 'reading engine information');
      },
    );
    return this.dataRoots;
  }

  private async defaultConfigHash(): Promise<string> {
    return (await this.defaultPlan()).configHash;
  }

  private async startPooled(): Promise<SandboxRecord> {
    const plan = await this.defaultPlan();
    assertWithinCeilings(plan.constraints, await this.engineCeilings());
    return startSandboxContainer(this.docker, this.settings, { ...plan, createdAt: toIsoTime(this.settings.now()) });
  }

  private commandRequest(record: SandboxRecord, command: SandboxCommand, options: ExecOptions): CommandRequest {
    // The image's environment, then the sandbox's env (filtered when it was planned), then the
    // command's: given to the command alone, never to the container environment root's processes
    // run with (see buildContainerSpec).
    const env = {
      ...record.imageEnv,
      ...record.constraints.env,
      ...filterCredentialEnv(options.env ?? {}, this.settings.allowCredentialEnv).kept,
    };
    // Both runners start argv[0] as a program (never an option of a tool in between), so an argv
    // beginning with "-" or containing "=" runs verbatim.
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
    return {
      argv,
      env,
      cwd: options.cwd,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? record.constraints.timeoutMs,
      signal: options.signal,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    };
  }

  private async executeThroughEngine(record: SandboxRecord, request: CommandRequest): Promise<CommandResult> {
    const result = await execThroughEngine(record.container, request, this.settings.user);
    if (result.exitCode !== 137 || result.timedOut) return result;
    const oomKills = await readOomKillCount(record.container, this.settings.user);
    const oomKilled = oomKills > record.oomKillsSeen;
    record.oomKillsSeen = oomKills;
    return { ...result, oomKilled };
  }

  private async destroyById(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record) {
      this.records.delete(id);
      return this.removeRecord(record);
    }
    await this.removeOwnedOrphan(id);
  }

  private async removeRecord(record: SandboxRecord): Promise<void> {
    record.destroyed = true;
    record.supervisor.close('the sandbox was destroyed', { killed: true });
    await removeContainer(this.docker, record.id);
  }

  /**
   * An untracked id is removed only when it is a full container id (the engine would resolve a
   * prefix or a name to somebody else's container), carries this owner's labels, and is no longer
   * running: a running sandbox still has its owner attached, alive, in some other instance.
   */
  private async removeOwnedOrphan(id: string): Promise<void> {
    if (!FULL_CONTAINER_ID.test(id)) return;
    let inspected: Docker.ContainerInspectInfo;
    try {
      inspected = await this.docker.getContainer(id).inspect();
    } catch (error) {
      if (engineStatus(error) === 404) return;
      throw toWardenError(error, `inspecting sandbox ${id}`);
    }
    const labels = inspected.Config.Labels ?? {};
    if (inspected.Id !== id || labels[SANDBOX_LABELS.sandbox] === undefined) return;
    if (labels[SANDBOX_LABELS.owner] !== this.settings.ownerId) return;
    if (inspected.State.Running || inspected.State.Restarting || inspected.State.Paused) return;
    await removeContainer(this.docker, id);
  }
}

// The settings and records hold environment values (which may be secrets) and the engine address:
// `inspect`, `JSON.stringify` and `String()` of a sandbox show neither (issue 18).
function describeDockerSandbox(this: DockerSandbox): string {
  return `DockerSandbox { providerId: ${JSON.stringify(this.providerId)}, settings: '[redacted]' }`;
}
Object.defineProperties(DockerSandbox.prototype, {
  toJSON: {
    value(this: DockerSandbox) {
      return { providerId: this.providerId, settings: '[redacted]' };
    },
  },
  toString: { value: describeDockerSandbox },
  [inspect.custom]: { value: describeDockerSandbox },
});

/** The result with text output, cut before a character the cap would split. */
function asText(result: CommandResult, capBytes: number): DockerExecResult {
  return { ...result, stdout: utf8Prefix(result.stdout, capBytes), stderr: utf8Prefix(result.stderr, capBytes) };
}

/** The result with the raw bytes, at most `capBytes` of each stream. */
function asBytes(result: CommandResult, capBytes: number): DockerExecBufferResult {
  return { ...result, stdout: result.stdout.subarray(0, capBytes), stderr: result.stderr.subarray(0, capBytes) };
}

/**
 * Creates a {@link Sandbox} on a Docker engine, hardened by default. Synchronous and without
 * I/O: the engine is first contacted by the first call.
 *
 * @example
 * const sandbox = createDockerSandbox({ image: 'warden-sandbox:latest' });
 * const { id } = await sandbox.create({ maxMemoryMb: 256, networkPolicy: 'none' });
 * const result = await sandbox.execute(id, ['echo', 'hello']);
 * await sandbox.destroy(id);
 * await sandbox.close();
 */
export function createDockerSandbox(config?: DockerSandboxConfig): DockerSandbox {
  return new DockerSandbox(config);
}
