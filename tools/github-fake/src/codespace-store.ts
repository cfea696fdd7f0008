/**
 * Codespaces as GitHub keeps them: created `Queued`, then `Provisioning`, `Starting` and
 * `Available`; stopped through `ShuttingDown` to `Shutdown`; deleted through `Deleted`. Each step
 * takes `stepMs` of the fake's clock (computed when read, so no timers run), or happens on demand
 * with `advance`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { FakeRepository } from './github-objects.js';

/** Every state GitHub's description lists for a codespace. */
export type FakeCodespaceState =
  | 'Unknown'
  | 'Created'
  | 'Queued'
  | 'Provisioning'
  | 'Available'
  | 'Awaiting'
  | 'Unavailable'
  | 'Deleted'
  | 'Moved'
  | 'Shutdown'
  | 'Archived'
  | 'Starting'
  | 'ShuttingDown'
  | 'Failed'
  | 'Exporting'
  | 'Updating'
  | 'Rebuilding';

/** A machine type the fake offers. */
export interface FakeMachine {
  name: string;
  display_name: string;
  operating_system: string;
  storage_in_bytes: number;
  memory_in_bytes: number;
  cpus: number;
  prebuild_availability: 'none' | 'ready' | 'in_progress' | null;
}

const GIB = 1024 ** 3;

/** GitHub's usual machine types. */
export const DEFAULT_MACHINES: readonly FakeMachine[] = Object.freeze(
  [
    ['basicLinux32gb', '2 cores, 8 GB RAM, 32 GB storage', 2, 8, 32],
    ['standardLinux32gb', '4 cores, 16 GB RAM, 32 GB storage', 4, 16, 32],
    ['premiumLinux', '8 cores, 32 GB RAM, 64 GB storage', 8, 32, 64],
    ['largePremiumLinux', '16 cores, 64 GB RAM, 128 GB storage', 16, 64, 128],
  ].map(([name, displayName, cpus, memory, storage]) => ({
    name: name as string,
    display_name: displayName as string,
    operating_system: 'linux',
    storage_in_bytes: (storage as number) * GIB,
    memory_in_bytes: (memory as number) * GIB,
    cpus: cpus as number,
    prebuild_availability: null,
  })),
);

/** One codespace held by the fake. */
export interface FakeCodespace {
  id: number;
  name: string;
  displayName: string | null;
  repository: FakeRepository;
  machine: FakeMachine;
  ref: string;
  devcontainerPath: string | null;
  idleTimeoutMinutes: number;
  retentionPeriodMinutes: number | null;
  createdAt: number;
  updatedAt: number;
  state: FakeCodespaceState;
  /** States still to come, with the time each one is reached. */
  pending: Array<{ state: FakeCodespaceState | 'Gone'; at: number }>;
}

/** What `create` needs. */
export interface CreateCodespaceInput {
  repository: FakeRepository;
  machine: FakeMachine;
  ref: string;
  devcontainerPath: string | null;
  displayName: string | null;
  idleTimeoutMinutes: number;
  retentionPeriodMinutes: number | null;
}

/** Options for {@link CodespaceStore}. */
export interface CodespaceStoreOptions {
  now: () => number;
  /** Time per state step. */
  stepMs: number;
  /** When false, states move only through `advance`. */
  autoAdvance: boolean;
  /** Owner login, the first part of generated codespace names. */
  login: string;
}

const NAME_WORDS = ['literate', 'fluffy', 'sturdy', 'humble', 'spiffy', 'psychic', 'fuzzy', 'jubilant'];
const NAME_NOUNS = ['space', 'parakeet', 'waffle', 'garbanzo', 'umbrella', 'potato', 'goggles', 'lamp'];

/** The codespaces of the fake's one authenticated user. */
export class CodespaceStore {
  private readonly codespaces = new Map<string, FakeCodespace>();
  private nextId = 1;

  constructor(private readonly options: CodespaceStoreOptions) {}

  /** Creates a codespace in `Queued` on its way to `Available`. */
  create(input: CreateCodespaceInput): FakeCodespace {
    const now = this.options.now();
    const codespace: FakeCodespace = {
      ...input,
      id: this.nextId++,
      name: this.generateName(),
      createdAt: now,
      updatedAt: now,
      state: 'Queued',
      pending: [],
    };
    this.schedule(codespace, ['Provisioning', 'Starting', 'Available']);
    this.codespaces.set(codespace.name, codespace);
    return codespace;
  }

  /** The codespace called `name`, with its state brought up to date, or `undefined`. */
  get(name: string): FakeCodespace | undefined {
    const codespace = this.codespaces.get(name);
    if (!codespace) return undefined;
    this.catchUp(codespace);
    return this.codespaces.get(name);
  }

  /** Every codespace (optionally of one repository), oldest first. */
  list(repositoryId?: number): FakeCodespace[] {
    for (const codespace of [...this.codespaces.values()]) this.catchUp(codespace);
    return [...this.codespaces.values()].filter(
      (codespace) => repositoryId === undefined || codespace.repository.id === repositoryId,
    );
  }

  /** Starts a stopped codespace; one that is running or on its way is left alone. */
  start(codespace: FakeCodespace): void {
    if (codespace.state !== 'Shutdown') return;
    this.setStateNow(codespace, 'Starting');
    this.schedule(codespace, ['Available']);
  }

  /** Stops a codespace; one that is stopped or stopping is left alone. */
  stop(codespace: FakeCodespace): void {
    if (codespace.state === 'Shutdown' || codespace.state === 'ShuttingDown') return;
    this.setStateNow(codespace, 'ShuttingDown');
    this.schedule(codespace, ['Shutdown']);
  }

  /** Deletes a codespace: `Deleted` at once, gone (404) one step later. */
  delete(codespace: FakeCodespace): void {
    this.setStateNow(codespace, 'Deleted');
    this.schedule(codespace, ['Gone']);
  }

  /** Moves a codespace to its next pending state now; returns the new state. */
  advance(name: string): FakeCodespaceState | 'Gone' | undefined {
    const codespace = this.codespaces.get(name);
    const next = codespace?.pending.shift();
    if (!codespace || !next) return codespace?.state;
    this.apply(codespace, next.state, this.options.now());
    const now = this.options.now();
    codespace.pending = codespace.pending.map((step, index) => ({
      state: step.state,
      at: now + (index + 1) * this.options.stepMs,
    }));
    return next.state;
  }

  /** Forces a state (for example `Failed`), cancelling pending steps. */
  setState(name: string, state: FakeCodespaceState): void {
    const codespace = this.codespaces.get(name);
    if (!codespace) throw new Error(`github-fake: no codespace named ${name}`);
    this.setStateNow(codespace, state);
  }

  private setStateNow(codespace: FakeCodespace, state: FakeCodespaceState): void {
    codespace.pending = [];
    this.apply(codespace, state, this.options.now());
  }

  private schedule(codespace: FakeCodespace, states: ReadonlyArray<FakeCodespaceState | 'Gone'>): void {
    const start = this.options.now();
    codespace.pending = states.map((state, index) => ({ state, at: start + (index + 1) * this.options.stepMs }));
  }

  private catchUp(codespace: FakeCodespace): void {
    if (!this.options.autoAdvance) return;
    const now = this.options.now();
    while (codespace.pending[0] && codespace.pending[0].at <= now) {
      const step = codespace.pending.shift() as { state: FakeCodespaceState | 'Gone'; at: number };
      this.apply(codespace, step.state, step.at);
    }
  }

  private apply(codespace: FakeCodespace, state: FakeCodespaceState | 'Gone', at: number): void {
    if (state === 'Gone') {
      this.codespaces.delete(codespace.name);
      return;
    }
    codespace.state = state;
    codespace.updatedAt = at;
  }

  private generateName(): string {
    const pick = (words: readonly string[]) => words[(randomBytes(1)[0] ?? 0) % words.length] ?? 'space';
    const suffix = randomBytes(4).toString('hex').slice(0, 6);
    return `${this.options.login}-${pick(NAME_WORDS)}-${pick(NAME_NOUNS)}-${suffix}`;
  }
}
