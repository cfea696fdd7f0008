import type { SecretStore } from '@warden/core';
import { describe } from 'vitest';
import type { ContractOptions } from '../types.js';
import { registerSecretStoreBasics } from './basic.js';
import { registerSecretStoreErrors } from './errors.js';
import { createSecretStoreSuite, type SecretStoreContractCapabilities } from './harness.js';

export { DEFAULT_SECRET_STORE_CAPABILITIES, type SecretStoreContractCapabilities } from './harness.js';

/**
 * Runs the `SecretStore` contract suite against a backend: get, set, delete and list, exact
 * values, idempotent delete, invalid names and values refused without changes, and values kept
 * out of errors and string forms. The suite uses kebab-case names starting with `warden-contract-`.
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
    describe('errors', () => registerSecretStoreErrors(suite));
  });
}
