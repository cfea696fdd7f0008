import type { ApprovalWorkflow, SecurityEventInput } from '@warden/core';
import { useSubject } from '../subject.js';
import type { ContractClock } from '../types.js';

/** Every tier's time-to-live the contract expects a subject to be configured with: one hour. */
export const APPROVAL_CONTRACT_TTL_MS = 3_600_000;

/** Optional behaviour an approval workflow may declare. */
export interface ApprovalWorkflowContractCapabilities {
  /** It implements `cancel(id, actor)`. */
  cancel: boolean;
  /** It implements `expireDue()`. */
  expireDue: boolean;
  /** It emits security events, which `createSubject` returns as `events`. */
  events: boolean;
}

/** A fresh workflow for one test, the clock it reads, and how to clean it up. */
export interface ApprovalWorkflowContractSubject {
  /** The workflow under test. */
  subject: ApprovalWorkflow;
  /** Moves the workflow's time forward (the workflow must read time only from this clock). */
  clock: ContractClock;
  /**
   * The security events the workflow emitted, in order, for a workflow that reports them (for
   * example collected from the `SecurityEventEmitter` given to its factory with
   * `emitter.on('security', (event) => events.push(event))`). When given, the `events` group runs.
   */
  events?: readonly SecurityEventInput[];
  /** Releases whatever `createSubject` made; runs even when a test fails. */
  cleanup: () => Promise<void>;
}

/** Options for `runApprovalWorkflowContract`. */
export interface ApprovalWorkflowContractOptions {
  /** Names the backend in test titles. */
  name: string;
  /**
   * Creates a fresh, isolated workflow that reads time from the returned `clock`, with the
   * default quorums (auto 0, peer-review 1, team-lead 1, security-review 2), a time-to-live of
   * {@link APPROVAL_CONTRACT_TTL_MS} for every tier, no escalation, and anyone but the requester
   * eligible to approve. People are told apart as core's `approvalIdentityKey` does by default:
   * `Alice`, `alice ` and `alice` are one person, so a respelled requester is still refused.
   */
  createSubject: () => Promise<ApprovalWorkflowContractSubject>;
  /** Optional groups; each defaults to `true`. */
  capabilities?: Partial<ApprovalWorkflowContractCapabilities>;
}

/** A workflow under test and the clock it reads. */
export interface WorkflowHarness {
  /** The subject. */
  workflow: ApprovalWorkflow;
  /** Moves the subject's clock forward. */
  advance(milliseconds: number): Promise<void>;
  /** The events the subject emitted so far, when it reports them. */
  events: readonly SecurityEventInput[] | undefined;
}

/** Returns a function that makes a fresh workflow and clock per test, cleaned up after it. */
export function useWorkflow(options: ApprovalWorkflowContractOptions): () => Promise<WorkflowHarness> {
  return useSubject<WorkflowHarness>({
    name: options.name,
    createSubject: async () => {
      const made = await options.createSubject();
      const harness: WorkflowHarness = {
        workflow: made.subject,
        events: made.events,
        advance: async (milliseconds) => {
          await made.clock.advance(milliseconds);
        },
      };
      return { subject: harness, cleanup: made.cleanup };
    },
  });
}

/** `iso` moved by `milliseconds`, as ISO-8601. */
export function isoPlus(iso: string, milliseconds: number): string {
  return new Date(Date.parse(iso) + milliseconds).toISOString();
}
