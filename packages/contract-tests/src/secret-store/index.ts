import type { SecretStore } from '@warden/core';
import { describe } from 'vitest';
import type { ContractOptions } from '../types.js';
import { registerSecretStoreBasics } from './basic.js';
import { registerSecretStoreErrors } from './errors.js';
import { createSecretStoreSuite, type SecretStoreContractCapabilities } from './harness.js';
import { registerSecretStoreNames } from './names.js';

export {
  DEFAULT_SECRET_STORE_CAPABILITIES,
  SECRET_STORE_CONTRACT_NAMES,
  type SecretStoreContractCapabilities,
} from './harness.js';

/**
 * Runs the `SecretStore` contract suite against a backend: get, set, delete and list, exact
 * values, idempotent delete, the names rule every store shares (core's `checkSecretName`: the
 * memory and the environment store accept and refuse the same names), invalid values refused
 * without changes, and values kept out of errors and string forms. The suite uses the names in
 * {@link SECRET_STORE_CONTRACT_NAMES}; `createSubject` may surround the store with state of the
 * same names that is not the store's own (an unprefixed variable, another key prefix), which must
 * never leak in.
 *
 * @example
 * runSecretStoreContract({
 *   name: 'env',
 *   createSubject: async () => ({ subject: createEnvSecretStore({ prefix: 'MYAPP_', env: {} }), cleanup: async () => {} }),
 * });
 */
export function runSecretStoreContract(options: ContractOptions<SecretStore, SecretStoreContractCapabilities>): void {
  describe(`SecretStore contract: ${options.name}`, () => {
    const suite = createSecretStoreSuite(options);
    describe('basic', () => registerSecretStoreBasics(suite));
    describe('names', () => registerSecretStoreNames(suite));
    describe('errors', () => registerSecretStoreErrors(suite));
  });
}
