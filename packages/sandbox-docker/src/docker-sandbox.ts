/**
 * `Sandbox` on a Docker engine, hardened by default.
 *
 * @module
 */

import { inspect } from 'node:util';
import {
  BackendUnavailableError,
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
import { removeOwnedOrphan } from './container/orphan.js';
import { WarmPool } from './container/pool.js';
import { type SandboxRecord, type SandboxStartRequest, startSandboxContainer } from './container/start.js';
import { stateOf, statusOf } from './container/status.js';
import { removeContainer, removeOwnedSandboxes, sweepOrphanedSandboxes } from './container/sweep.js';
import { createDockerClient } from './docker-client.js';
import { engineStatus, toWardenError } from './errors.js';
import { asBytes, asText, type DockerExecOptions, killedResult, parseEncoding } from './exec/result.js';
import { buildCommandRequest, runCommand } from './exec/run.js';
import type { CommandResult, DockerExecBufferResult, DockerExecResult } from './exec/types.js';
import { EngineFacts } from './limits/engine.js';
import { assertWithinCeilings, configurationHash, planConstraints, planNetwork } from './limits/plan.js';
import { assertSessionName } from './limits/session.js';
import {
  type DockerSandboxConfig,
  type ResolvedDockerSandboxSettings,
  resolveDockerSandboxSettings,
} from './limits/settings.js';

export type { DockerExecOptions } from './exec/result.js';

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
  private readonly engine: EngineFacts;
  private readonly records = new Map<string, SandboxRecord>();
  private readonly destroying = new Map<string, Promise<void>>();
  private readonly pool: WarmPool<SandboxRecord> | undefined;
  private startup: Promise<void> | undefined;
  private poolConfigHash: string | undefined;
  private closed = false;

  /** Parses `config` (throws `InvalidInputError` naming the field); opens no connection. */
  constructor(config: DockerSandboxConfig = {}) {
    this.settings = resolveDockerSandboxSettings(config);
    this.docker = this.settings.docker ?? createDockerClient(this.settings.dockerHost);
    this.engine = new EngineFacts(this.docker, this.settings);
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
    assertSessionName(session);
    const effective = planConstraints(constraints, this.settings);
    const mounts = await this.engine.resolveMounts(effective);
    await this.ensureStarted();
    assertWithinCeilings(effective, await this.engine.ceilings());
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
    const encoding = parseEncoding(requestedEncoding);
    const parsedOptions = parseInput(execOptionsSchema, portOptions, 'execute options');
    const record = this.records.get(sandboxId);
    if (record === undefined) throw new SandboxNotFoundError({ id: sandboxId });
    const request = buildCommandRequest(record, parsedCommand, parsedOptions, this.settings.allowCredentialEnv);
    const startedAt = performance.now();
    let result: CommandResult;
    try {
      result = await runCommand(record, request, this.settings.user);
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
        this.poolConfigHash = (await this.defaultPlan()).configHash;
        this.pool.refill();
      }
    })().catch((error: unknown) => {
      this.startup = undefined;
      throw toWardenError(error, 'starting the Docker sandbox');
    });
    return this.startup;
  }

  private async defaultPlan(): Promise<Omit<SandboxStartRequest, 'createdAt'>> {
    const constraints = planConstraints({}, this.settings);
    const mounts = await this.engine.resolveMounts(constraints);
    const network = await planNetwork(this.docker, constraints, this.settings);
    return {
      constraints,
      mounts,
      network,
      configHash: configurationHash(constraints, network, this.settings),
      session: '',
    };
  }

  private async startPooled(): Promise<SandboxRecord> {
    const plan = await this.defaultPlan();
    assertWithinCeilings(plan.constraints, await this.engine.ceilings());
    return startSandboxContainer(this.docker, this.settings, { ...plan, createdAt: toIsoTime(this.settings.now()) });
  }

  private async destroyById(id: string): Promise<void> {
    const record = this.records.get(id);
    if (record) {
      this.records.delete(id);
      return this.removeRecord(record);
    }
    await removeOwnedOrphan(this.docker, id, this.settings.ownerId);
  }

  private async removeRecord(record: SandboxRecord): Promise<void> {
    record.destroyed = true;
    record.supervisor.close('the sandbox was destroyed', { killed: true });
    await removeContainer(this.docker, record.id);
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
