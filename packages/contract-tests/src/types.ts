/**
 * Moves a subject's time forward, so expiry and TTL tests run without sleeping. A subject built
 * with an injectable clock (`now`) returns one from `createSubject` next to `subject` and `cleanup`.
 */
export interface ContractClock {
  /** Moves the subject's time forward by `milliseconds`. */
  advance(milliseconds: number): void | Promise<void>;
}

/** What a contract suite needs to test one backend: how to make a fresh subject and clean up. */
export interface ContractSubject<Subject> {
  /** The adapter or stub under test. */
  subject: Subject;
  /** Releases whatever `createSubject` made; runs even when a test fails. */
  cleanup: () => Promise<void>;
}

/** Options every `run…Contract` function takes. */
export interface ContractOptions<Subject, Capabilities = Record<string, never>> {
  /** Names the backend in test titles, for example `"redis"`. */
  name: string;
  /** Creates a fresh, isolated subject for one test. */
  createSubject: () => Promise<ContractSubject<Subject>>;
  /** Switches optional test groups on or off. */
  capabilities?: Partial<Capabilities>;
  /**
   * Per-test timeout in milliseconds, for backends whose calls are slow (a container start, a
   * network round trip). Defaults to vitest's own `testTimeout`.
   */
  testTimeoutMs?: number;
}
