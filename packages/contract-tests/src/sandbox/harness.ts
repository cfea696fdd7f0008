import type { NetworkPolicy, Sandbox, SandboxConstraints, SandboxStatus } from '@warden/core';
import { useSubject } from '../subject.js';
import type { ContractOptions } from '../types.js';

/** Optional behaviour a sandbox backend may declare. Each flag switches a group of tests on or off. */
export interface SandboxContractCapabilities {
  /**
   * Commands really run, so output, exit codes, timeouts and caps can be checked. The stub sets
   * this to `false`: it runs nothing and returns scripted results.
   * @default true
   */
  realExecution: boolean;
  /** `execute` accepts an argv array and runs it without a shell. @default true */
  argv: boolean;
  /** `execute` passes `options.stdin` to the command. @default true */
  stdin: boolean;
  /**
   * `create` enforces `maxMemoryMb`, `maxCpuPercent` and `maxPids`. Without it the backend may
   * refuse them with `CAPABILITY_UNSUPPORTED`, but never accept and ignore them.
   * @default true
   */
  resourceLimits: boolean;
  /**
   * The network policies the backend enforces. Any other policy must be refused with
   * `CAPABILITY_UNSUPPORTED`; it may never be accepted and widened.
   * @default ['none']
   */
  networkPolicies: readonly NetworkPolicy[];
}

/** The capabilities assumed when a backend does not say otherwise: a real, fully featured backend. */
export const DEFAULT_SANDBOX_CAPABILITIES: SandboxContractCapabilities = {
  realExecution: true,
  argv: true,
  stdin: true,
  resourceLimits: true,
  networkPolicies: ['none'],
};

/** The subject of one sandbox test, with a `create` that remembers what to destroy afterwards. */
interface SandboxHarness {
  /** The backend under test. */
  sandbox: Sandbox;
  /** `sandbox.create(constraints)`, recording the id so the sandbox is destroyed after the test. */
  create(constraints?: SandboxConstraints): Promise<SandboxStatus>;
}

/** What each registration function of the sandbox suite receives. */
export interface SandboxSuite {
  /** Creates the harness for the current test; its sandboxes are destroyed even when the test fails. */
  harness: () => Promise<SandboxHarness>;
  /** The backend's capabilities, defaults filled in. */
  capabilities: SandboxContractCapabilities;
  /** Per-test timeout, when the backend asked for one. */
  timeoutMs: number | undefined;
}

/**
 * Builds a {@link SandboxSuite}: a fresh subject per test whose sandboxes (those created through
 * the harness) are destroyed before the subject's own cleanup runs.
 */
export function createSandboxSuite(options: ContractOptions<Sandbox, SandboxContractCapabilities>): SandboxSuite {
  const harness = useSubject<SandboxHarness>({
    name: options.name,
    createSubject: async () => {
      const { subject: sandbox, cleanup } = await options.createSubject();
      const created: string[] = [];
      const tracked: SandboxHarness = {
        sandbox,
        async create(constraints) {
          const status = await sandbox.create(constraints);
          created.push(status.id);
          return status;
        },
      };
      const destroyCreated = async (): Promise<void> => {
        // Failures here would hide the test's own result; destroy is idempotent, so retrying is safe.
        await Promise.allSettled(created.map((id) => sandbox.destroy(id)));
      };
      return {
        subject: tracked,
        cleanup: async () => {
          try {
            await destroyCreated();
          } finally {
            await cleanup();
          }
        },
      };
    },
  });
  return {
    harness,
    capabilities: { ...DEFAULT_SANDBOX_CAPABILITIES, ...options.capabilities },
    timeoutMs: options.testTimeoutMs,
  };
}

/** The ids of a list of statuses, for comparing `list()` before and after a call. */
export function sandboxIds(statuses: readonly SandboxStatus[]): string[] {
  return statuses.map((status) => status.id).sort();
}
