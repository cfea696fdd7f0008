import type { SecretStore } from '@warden/core';
import { useSubject } from '../subject.js';
import type { ContractOptions } from '../types.js';

/** Optional behaviour a secret store may declare. */
export interface SecretStoreContractCapabilities {
  /**
   * `set(name, '')` stores an empty value that `get` returns. Without it (the default, and what
   * the environment store does) an empty value is refused with `INVALID_INPUT`.
   * @default false
   */
  emptyValues: boolean;
}

/** The capabilities assumed when a backend does not say otherwise. */
export const DEFAULT_SECRET_STORE_CAPABILITIES: SecretStoreContractCapabilities = { emptyValues: false };

/** What each registration function of the secret store suite receives. */
export interface SecretStoreSuite {
  /** Creates the store for the current test; cleaned up even when the test fails. */
  store: () => Promise<SecretStore>;
  /** The backend's capabilities, defaults filled in. */
  capabilities: SecretStoreContractCapabilities;
  /** Per-test timeout, when the backend asked for one. */
  timeoutMs: number | undefined;
}

/** Builds the {@link SecretStoreSuite} for `runSecretStoreContract`. */
export function createSecretStoreSuite(
  options: ContractOptions<SecretStore, SecretStoreContractCapabilities>,
): SecretStoreSuite {
  return {
    store: useSubject(options),
    capabilities: { ...DEFAULT_SECRET_STORE_CAPABILITIES, ...options.capabilities },
    timeoutMs: options.testTimeoutMs,
  };
}

/**
 * The secret names the suite uses (kebab-case, unique to the contract). A backend may plant
 * decoys under these names outside the store (an unprefixed variable beside a prefixed store):
 * the suite checks that none of them is ever read, listed or deleted through the store.
 */
export const SECRET_STORE_CONTRACT_NAMES: Readonly<Record<'first' | 'second' | 'never', string>> = {
  first: 'warden-contract-first',
  second: 'warden-contract-second',
  never: 'warden-contract-never-set',
};

/** Reaches methods with inputs their types forbid, the way untrusted callers do. */
export function untyped(
  store: SecretStore,
): Record<'get' | 'set' | 'delete', (...args: unknown[]) => Promise<unknown>> {
  return {
    get: (...args) => (store.get as (...args: unknown[]) => Promise<unknown>).apply(store, args),
    set: (...args) => (store.set as (...args: unknown[]) => Promise<unknown>).apply(store, args),
    delete: (...args) => (store.delete as (...args: unknown[]) => Promise<unknown>).apply(store, args),
  };
}
