import type { ApprovalRecord, ApprovalStore } from '@warden/core';
import { type CreatePeer, usePeer, useSubject } from '../subject.js';
import type { ContractOptions } from '../types.js';

/** Optional behaviour an approval store may declare. */
export interface ApprovalStoreContractCapabilities {
  /**
   * Two instances of the store on the same backend (as two processes would open them) share
   * their records, and `compareAndSet` is atomic across them. Needs
   * {@link ApprovalStoreContractOptions.createPeer}.
   * @default false
   */
  crossInstance: boolean;
}

/** Options for `runApprovalStoreContract`. */
export interface ApprovalStoreContractOptions
  extends ContractOptions<ApprovalStore, ApprovalStoreContractCapabilities> {
  /**
   * Creates another instance of the same store as `subject` (same backend, same key space), as a
   * second process would. Required when `capabilities.crossInstance` is on.
   */
  createPeer?: CreatePeer<ApprovalStore>;
}

/** What each registration function of the approval store suite receives. */
export interface ApprovalStoreSuite {
  /** Creates the store for the current test; cleaned up even when the test fails. */
  store: () => Promise<ApprovalStore>;
  /** Opens another instance of the given store, cleaned up after the test. */
  peer: (subject: ApprovalStore) => Promise<ApprovalStore>;
  /** The backend's capabilities, defaults filled in. */
  capabilities: ApprovalStoreContractCapabilities;
  /** Per-test timeout, when the backend asked for one. */
  timeoutMs: number | undefined;
}

/** The capabilities assumed when a backend does not say otherwise. */
export const DEFAULT_APPROVAL_STORE_CAPABILITIES: ApprovalStoreContractCapabilities = { crossInstance: false };

/** Builds the {@link ApprovalStoreSuite} for `runApprovalStoreContract`. */
export function createApprovalStoreSuite(options: ApprovalStoreContractOptions): ApprovalStoreSuite {
  return {
    store: useSubject(options),
    peer: usePeer(`runApprovalStoreContract(${options.name})`, options.createPeer),
    capabilities: { ...DEFAULT_APPROVAL_STORE_CAPABILITIES, ...options.capabilities },
    timeoutMs: options.testTimeoutMs,
  };
}

let sequence = 0;

/**
 * A pending record as a workflow would create it; `overrides` replace fields. Ids are unique per
 * call (the suite never reuses one), and creation times are spread one second apart in call order
 * unless given, so "oldest first" is well defined.
 */
export function recordOf(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  sequence += 1;
  return {
    id: `warden-contract-${process.pid}-${Date.now()}-${sequence}`,
    requester: 'alice',
    description: 'deploy',
    tier: 'peer-review',
    status: 'pending',
    quorum: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1) + sequence * 1_000).toISOString(),
    expiresAt: new Date(Date.UTC(2026, 0, 2) + sequence * 1_000).toISOString(),
    decisions: [],
    version: 1,
    ...overrides,
  };
}

/** `record` moved on by one stored change: the version incremented and `changes` applied. */
export function nextOf(record: ApprovalRecord, changes: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return { ...structuredClone(record), ...changes, version: record.version + 1 };
}

/** The ids of a list of records, in order. */
export function idsOf(records: readonly ApprovalRecord[]): string[] {
  return records.map((record) => record.id);
}
