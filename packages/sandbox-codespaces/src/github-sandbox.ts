/**
 * `createGitHubSandbox`: the `Sandbox` port on GitHub Codespaces. Each sandbox is a codespace
 * whose display name starts with the configured prefix, so that `list()` and a restarted process
 * find every codespace this deployment made; commands run through a pluggable transport.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import {
  BackendUnavailableError,
  CapabilityUnsupportedError,
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOptions,
  type ExecResult,
  emitSafely,
  execOptionsSchema,
  parseInput,
  type Sandbox,
  type SandboxCommand,
  type SandboxConstraints,
  SandboxNotFoundError,
  type SandboxStatus,
  type SecurityEventInput,
  sandboxCommandSchema,
  sandboxConstraintsSchema,
  sandboxIdSchema,
  type WardenError,
} from '@warden/core';
import { createGitHubClient, gitHubStatusOf } from '@warden/github-client';
import { shownWord } from './codespace-answers.js';
import type { CodespaceExecTransport } from './codespace-exec-transport.js';
import { chooseMachine, machineLimits, requireChosenMachine } from './codespace-machine.js';
import { toSandboxState } from './codespace-state.js';
import {
  type CodespaceMachine,
  type CodespaceRecord,
  type CodespacesApi,
  createCodespacesApi,
} from './codespaces-api.js';
import { createGhSshTransport } from './gh-ssh-transport.js';
import {
  type GitHubSandboxConfig,
  type ParsedGitHubSandboxConfig,
  parseGitHubSandboxConfig,
} from './github-sandbox-settings.js';

/**
 * Creates a `Sandbox` on GitHub Codespaces. Synchronous, no I/O: GitHub is first called by a
 * method.
 *
 * @throws `InvalidInputError` naming the setting at fault.
 */
export function createGitHubSandbox(config: GitHubSandboxConfig): Sandbox {
  return new CodespacesSandbox(parseGitHubSandboxConfig(config));
}

/** Refuses what a codespace cannot enforce, rather than ignoring it. */
function refuseUnenforceable(constraints: SandboxConstraints): void {
  const refuse = (message: string) => {
    throw new CapabilityUnsupportedError({ message: `Codespaces cannot enforce ${message}; use the Docker sandbox` });
  };
  if (constraints.networkPolicy === 'none' || constraints.networkPolicy === 'egress-only') {
    refuse(`networkPolicy '${constraints.networkPolicy}': a codespace always has full network access`);
  }
  if (constraints.allowedPaths?.length || constraints.writablePaths?.length) {
    refuse('allowedPaths or writablePaths: host paths cannot be mounted into a codespace');
  }
  if (constraints.maxPids !== undefined) refuse('maxPids: a codespace has no process limit');
}

/**
 * Refuses a codespace GitHub keeps alive longer than asked: an idle timeout or retention period
 * above the request (a setting GitHub did not apply) would let an orphan outlive its bounds.
 */
function requireRequestedLifetimes(
  codespace: CodespaceRecord,
  asked: { idleTimeoutMinutes: number; retentionPeriodMinutes: number },
): void {
  const longer = (reported: number | null | undefined, limit: number) =>
    typeof reported === 'number' && reported > limit;
  if (
    longer(codespace.idle_timeout_minutes, asked.idleTimeoutMinutes) ||
    longer(codespace.retention_period_minutes, asked.retentionPeriodMinutes)
  ) {
    throw new CapabilityUnsupportedError({
      message: `GitHub keeps the codespace longer than asked (idle timeout ${codespace.idle_timeout_minutes} min, retention ${codespace.retention_period_minutes} min; asked ${asked.idleTimeoutMinutes} and ${asked.retentionPeriodMinutes})`,
    });
  }
}

/** What every string form of a secret shows instead of it. */
const REDACTED = '[redacted]';

/** Random bytes after the prefix of a display name: `<namePrefix>-<12 hex>`. */
const DISPLAY_NAME_RANDOM_BYTES = 6;

/** What follows `<namePrefix>-` in the display name of a codespace this sandbox made, and nothing else. */
const DISPLAY_NAME_SUFFIX = /^[0-9a-f]{12}$/;

const MAX_IDLE_MINUTES = 240;
const MIN_IDLE_MINUTES = 5;

class CodespacesSandbox implements Sandbox {
  readonly specificationVersion = 'sandbox-v1' as const;
  readonly providerId = 'github-codespaces';
  readonly #api: CodespacesApi;
  readonly #transport: CodespaceExecTransport;
  /** Effective constraints of the codespaces this process created and has not destroyed. */
  readonly #known = new Map<string, SandboxConstraints>();
  readonly #destroyed = new Set<string>();
  readonly #destroying = new Map<string, Promise<void>>();
  /** Commands running in each codespace, aborted by `destroy`. */
  readonly #running = new Map<string, Set<AbortController>>();
  #machines: Promise<CodespaceMachine[]> | undefined;

  // Private fields: the settings hold the token, so nothing here is reachable by inspection.
  readonly #settings: ParsedGitHubSandboxConfig;

  constructor(settings: ParsedGitHubSandboxConfig) {
    this.#settings = settings;
    const client =
      settings.octokit ??
      createGitHubClient({ ...settings, auth: settings.token, userAgent: 'warden-sandbox-codespaces' });
    // Only owner and repo: the API spreads what it is given into every request.
    this.#api = createCodespacesApi(client, { owner: settings.owner, repo: settings.repo });
    this.#transport = settings.transport ?? createGhSshTransport({ token: settings.token });
  }

  async create(constraints?: SandboxConstraints): Promise<SandboxStatus> {
    const parsed = parseInput(
      sandboxConstraintsSchema,
      constraints === undefined ? {} : constraints,
      'sandbox constraints',
    );
    refuseUnenforceable(parsed);
    const machine = chooseMachine(await this.listMachines(), parsed, this.#settings.machine);
    const timeoutMs = parsed.timeoutMs ?? this.#settings.defaultTimeoutMs;
    const effective: SandboxConstraints = { ...parsed, ...machineLimits(machine), networkPolicy: 'full', timeoutMs };
    const idleTimeoutMinutes =
      this.#settings.idleTimeoutMinutes ??
      Math.min(Math.max(Math.ceil(timeoutMs / 60_000), MIN_IDLE_MINUTES), MAX_IDLE_MINUTES);
    const retentionPeriodMinutes = this.#settings.retentionPeriodMinutes ?? idleTimeoutMinutes;
    const displayName = `${this.#settings.namePrefix}-${randomBytes(DISPLAY_NAME_RANDOM_BYTES).toString('hex')}`;
    const created = await this.createCodespace(displayName, {
      machine: machine.name,
      idle_timeout_minutes: idleTimeoutMinutes,
      retention_period_minutes: retentionPeriodMinutes,
      ...(this.#settings.ref === undefined ? {} : { ref: this.#settings.ref }),
      ...(this.#settings.devcontainerPath === undefined ? {} : { devcontainer_path: this.#settings.devcontainerPath }),
      ...(this.#settings.geo === undefined ? {} : { geo: this.#settings.geo }),
    });
    this.#known.set(created.name, effective);
    let ready: CodespaceRecord;
    try {
      ready = await this.waitUntilAvailable(created.name, displayName);
      // The limits reported are the chosen machine's: a codespace running on another is deleted.
      requireChosenMachine(ready.machine, machine);
      requireRequestedLifetimes(ready, { idleTimeoutMinutes, retentionPeriodMinutes });
    } catch (error) {
      await this.discard(created.name, displayName).catch(() => {});
      throw error;
    }
    this.tell({
      type: 'sandbox_created',
      details: {
        provider: this.providerId,
        id: created.name,
        machine: machine.name,
        repository: this.repositoryName(),
      },
    });
    return { id: created.name, state: 'running', createdAt: ready.created_at, constraints: structuredClone(effective) };
  }

  async execute(id: string, command: SandboxCommand, options?: ExecOptions): Promise<ExecResult> {
    const name = parseInput(sandboxIdSchema, id, 'sandbox id');
    const parsedCommand = parseInput(sandboxCommandSchema, command, 'command');
    const parsedOptions = parseInput(execOptionsSchema, options === undefined ? {} : options, 'execute options');
    const constraints = await this.constraintsOfOwn(name);
    // A codespace being destroyed runs nothing new: its commands are being killed.
    if (this.#destroying.has(name)) throw new SandboxNotFoundError({ id: name });
    const destroyed = new AbortController();
    const running = this.#running.get(name) ?? new Set<AbortController>();
    this.#running.set(name, running.add(destroyed));
    try {
      return await this.#transport.execute({
        codespace: name,
        command: parsedCommand,
        ...(parsedOptions.cwd === undefined ? {} : { cwd: parsedOptions.cwd }),
        env: { ...constraints.env, ...parsedOptions.env },
        ...(parsedOptions.stdin === undefined ? {} : { stdin: parsedOptions.stdin }),
        timeoutMs: parsedOptions.timeoutMs ?? constraints.timeoutMs ?? this.#settings.defaultTimeoutMs,
        maxOutputBytes: parsedOptions.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        signal:
          parsedOptions.signal === undefined
            ? destroyed.signal
            : AbortSignal.any([parsedOptions.signal, destroyed.signal]),
      });
    } finally {
      running.delete(destroyed);
      if (running.size === 0 && this.#running.get(name) === running) this.#running.delete(name);
    }
  }

  async getStatus(id: string): Promise<SandboxStatus> {
    const name = parseInput(sandboxIdSchema, id, 'sandbox id');
    const codespace = this.#destroyed.has(name) ? undefined : await this.findOwn(name);
    if (!codespace) throw new SandboxNotFoundError({ id: name });
    return this.toStatus(codespace);
  }

  async destroy(id: string): Promise<void> {
    const name = parseInput(sandboxIdSchema, id, 'sandbox id');
    if (this.#destroyed.has(name)) return;
    let pending = this.#destroying.get(name);
    if (!pending) {
      // Killed first, as the port requires: a command still running resolves as killed
      // (`timedOut`), rather than running on, or ending with the dropped connection's exit code.
      for (const command of this.#running.get(name) ?? []) command.abort();
      pending = this.stopAndDelete(name).finally(() => this.#destroying.delete(name));
      this.#destroying.set(name, pending);
    }
    return pending;
  }

  async list(): Promise<SandboxStatus[]> {
    const codespaces = await this.#api.list();
    return codespaces
      .filter(
        (codespace) => this.isOwn(codespace) && codespace.state !== 'Deleted' && !this.#destroyed.has(codespace.name),
      )
      .map((codespace) => this.toStatus(codespace));
  }

  async close(): Promise<void> {}

  /** Names the repository only: the token, the client and the transport stay private. */
  toJSON(): Record<string, unknown> {
    return { providerId: this.providerId, repository: this.repositoryName(), token: REDACTED };
  }

  /** The redacted form, as for {@link toJSON}. */
  toString(): string {
    return `GitHubSandbox ${JSON.stringify(this)}`;
  }

  /** What `util.inspect` and `console.log` show: the redacted form. */
  [inspect.custom](): string {
    return this.toString();
  }

  /**
   * Asks GitHub for a codespace called `displayName` and returns it once the answer is checked to
   * be that codespace: an answer naming another one (of another repository, or not this
   * deployment's) would hand a foreign codespace to the caller, and to `destroy`.
   */
  private async createCodespace(
    displayName: string,
    request: Omit<Parameters<CodespacesApi['create']>[0], 'display_name'>,
  ): Promise<CodespaceRecord> {
    try {
      const created = await this.#api.create({ ...request, display_name: displayName });
      if (created.display_name !== displayName || !this.isOwn(created)) {
        throw this.unavailable(`GitHub answered the creation of ${displayName} with another codespace`);
      }
      return created;
    } catch (error) {
      // No answer (a network failure, a timeout: Octokit's 500) or a 5xx: GitHub may have made it.
      if ((gitHubStatusOf(error) ?? 0) >= 500) return this.findAfterLostAnswer(displayName, error as WardenError);
      // An answer that cannot be trusted may follow a codespace GitHub did make: its display name
      // is unique, so find it by that and delete it rather than leave it billed.
      if (BackendUnavailableError.isInstance(error)) await this.deleteNamed(displayName).catch(() => {});
      throw error;
    }
  }

  /**
   * After a create that failed without an answer (the POST is sent once, never resent): the
   * codespace called `displayName`, when GitHub made exactly one, is the one asked for and is
   * returned; several (a client that resent the POST on its own) are all destroyed, and `failure`
   * is thrown, as when there is none.
   *
   * @throws `BackendUnavailableError`, saying so when GitHub could not be asked or a destroy
   * failed, as a codespace may then be left until GitHub's retention period ends.
   */
  private async findAfterLostAnswer(displayName: string, failure: WardenError): Promise<CodespaceRecord> {
    const mayBeLeft = (why: string) =>
      this.unavailable(
        `${failure.message}; ${why}, so a codespace ${displayName} may be left until its retention period ends`,
      );
    let named: CodespaceRecord[];
    try {
      named = (await this.#api.list()).filter(
        (codespace) => this.isOwn(codespace) && codespace.display_name === displayName && codespace.state !== 'Deleted',
      );
    } catch {
      throw mayBeLeft('GitHub could not be asked whether it made it anyway');
    }
    const [only, ...others] = named;
    if (only && others.length === 0) return only;
    let destroyFailed = false;
    for (const codespace of named) {
      await this.destroy(codespace.name).catch(() => {
        destroyFailed = true;
      });
    }
    throw destroyFailed ? mayBeLeft(`${named.length} were made and not all could be deleted`) : failure;
  }

  /**
   * Deletes the codespace `create` made, and only it: `name` is deleted when GitHub still says it
   * is called `displayName`; otherwise the codespace is looked up by that unique display name.
   */
  private async discard(name: string, displayName: string): Promise<void> {
    const codespace = await this.#api.get(name).catch(() => undefined);
    if (codespace?.display_name === displayName) return this.destroy(name);
    this.#known.delete(name);
    await this.deleteNamed(displayName);
  }

  /** Destroys this deployment's codespaces called `displayName` (there is at most one). */
  private async deleteNamed(displayName: string): Promise<void> {
    const codespaces = await this.#api.list();
    for (const codespace of codespaces) {
      if (this.isOwn(codespace) && codespace.display_name === displayName) await this.destroy(codespace.name);
    }
  }

  /** Stops (to end billing at once), then deletes; never touches a codespace this sandbox does not manage. */
  private async stopAndDelete(name: string): Promise<void> {
    const codespace = this.#known.has(name) ? await this.#api.get(name) : await this.findOwn(name);
    if (codespace && codespace.state !== 'Deleted') {
      if (codespace.state !== 'Shutdown' && codespace.state !== 'ShuttingDown') {
        // A failed stop must not prevent the delete, which is what frees the codespace.
        await this.#api.stop(name).catch(() => false);
      }
      await this.#api.delete(name);
    }
    if (!codespace && !this.#known.has(name)) return;
    this.#known.delete(name);
    this.#destroyed.add(name);
    this.tell({ type: 'sandbox_destroyed', details: { provider: this.providerId, id: name } });
  }

  /**
   * Polls until the codespace is `Available`; starts it if GitHub shut it down meanwhile. Throws
   * when it is not (or no longer) the codespace called `displayName`.
   */
  private async waitUntilAvailable(name: string, displayName: string): Promise<CodespaceRecord> {
    const polls = Math.ceil(this.#settings.readyTimeoutMs / this.#settings.pollIntervalMs);
    // Bounded by the clock as well as the count: slow answers would stretch a count of polls.
    const deadline = this.#settings.now() + this.#settings.readyTimeoutMs;
    let last = 'unknown';
    for (let poll = 0; poll <= polls; poll++) {
      const codespace = await this.#api.get(name);
      if (!codespace) throw this.unavailable(`codespace ${name} disappeared while starting`);
      // A name GitHub's create answer put forward for another codespace is found out here.
      if (codespace.display_name !== displayName) throw this.unavailable(`codespace ${name} is not ${displayName}`);
      last = shownWord(codespace.state);
      const state = toSandboxState(codespace.state);
      if (state === 'running') return codespace;
      if (state === 'error' || state === 'destroyed') throw this.unavailable(`codespace ${name} is ${last}`);
      if (codespace.state === 'Shutdown') await this.#api.start(name);
      // Written to fail closed: a clock that reads NaN is past every deadline.
      if (!(this.#settings.now() < deadline)) break;
      if (poll < polls) await sleep(this.#settings.pollIntervalMs);
    }
    throw this.unavailable(
      `codespace ${name} was not Available after ${this.#settings.readyTimeoutMs} ms (last state ${last})`,
    );
  }

  private async constraintsOfOwn(name: string): Promise<SandboxConstraints> {
    const known = this.#known.get(name);
    if (known) return known;
    const codespace = this.#destroyed.has(name) ? undefined : await this.findOwn(name);
    if (!codespace) throw new SandboxNotFoundError({ id: name });
    return this.constraintsOf(codespace);
  }

  /** The codespace when it exists, is not deleted and belongs to this sandbox (repository and name prefix). */
  private async findOwn(name: string): Promise<CodespaceRecord | undefined> {
    const codespace = await this.#api.get(name);
    return codespace && codespace.state !== 'Deleted' && (this.#known.has(name) || this.isOwn(codespace))
      ? codespace
      : undefined;
  }

  /**
   * True for a codespace of the configured repository whose display name is exactly one this
   * sandbox makes (`<namePrefix>-<12 hex>`). A prefix match alone is not enough: another
   * deployment's prefix may extend this one (`warden-prod` and `warden`), and its codespaces
   * (`warden-prod-…`) would pass for this sandbox's.
   */
  private isOwn(codespace: CodespaceRecord): boolean {
    const displayName = codespace.display_name ?? '';
    const prefix = `${this.#settings.namePrefix}-`;
    return (
      codespace.repository.full_name.toLowerCase() === this.repositoryName().toLowerCase() &&
      displayName.startsWith(prefix) &&
      DISPLAY_NAME_SUFFIX.test(displayName.slice(prefix.length))
    );
  }

  private toStatus(codespace: CodespaceRecord): SandboxStatus {
    const state = toSandboxState(codespace.state);
    const status: SandboxStatus = {
      id: codespace.name,
      state,
      createdAt: codespace.created_at,
      constraints: this.constraintsOf(codespace),
    };
    return state === 'error'
      ? { ...status, error: `GitHub reports the codespace as ${shownWord(codespace.state)}` }
      : status;
  }

  /** Constraints as created, or (for a codespace an earlier process made) what the codespace itself enforces. */
  private constraintsOf(codespace: CodespaceRecord): SandboxConstraints {
    const known = this.#known.get(codespace.name);
    // A copy: a caller's edit of a returned status must never change what this sandbox enforces.
    if (known) return structuredClone(known);
    const limits = codespace.machine ? machineLimits(codespace.machine) : {};
    return { ...limits, networkPolicy: 'full', timeoutMs: this.#settings.defaultTimeoutMs };
  }

  private listMachines(): Promise<CodespaceMachine[]> {
    if (!this.#machines) {
      const request = this.#api.machines(this.#settings.ref);
      request.catch(() => {
        if (this.#machines === request) this.#machines = undefined;
      });
      this.#machines = request;
    }
    return this.#machines;
  }

  /**
   * Emits `event`, ignoring an emitter that throws: a failed audit must change no outcome, or a
   * running (billed) codespace would be reported as not created and its id lost.
   */
  private tell(event: SecurityEventInput): void {
    emitSafely(this.#settings.events, event);
  }

  private repositoryName(): string {
    return `${this.#settings.owner}/${this.#settings.repo}`;
  }

  private unavailable(message: string): BackendUnavailableError {
    return new BackendUnavailableError({ backend: 'github', message });
  }
}
