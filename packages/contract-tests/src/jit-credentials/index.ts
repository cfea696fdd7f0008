import { describe } from 'vitest';
import { registerIssuerBasics } from './basic.js';
import { registerIssuerErrors } from './errors.js';
import { registerIssuerExpiry } from './expiry.js';
import { createIssuerSuite, type JITCredentialIssuerContractOptions } from './harness.js';
import { registerIssuerTokens } from './tokens.js';

export {
  DEFAULT_JIT_CREDENTIAL_CAPABILITIES,
  type JITCredentialIssuerContractCapabilities,
  type JITCredentialIssuerContractOptions,
  type JITCredentialIssuerContractSubject,
} from './harness.js';

/**
 * Runs the `JITCredentialIssuer` contract suite against a backend: issue, revoke and isValid,
 * every TTL form, invalid TTLs and scopes, unique random-looking tokens that never leak into
 * errors, idempotent revocation, and expiry driven by the subject's clock.
 *
 * @example
 * runJITCredentialIssuerContract({
 *   name: 'stub',
 *   createSubject: async () => {
 *     let time = Date.UTC(2026, 0, 1);
 *     const subject = createStubJITCredentialIssuer({ now: () => time });
 *     return { subject, clock: { advance: (ms) => void (time += ms) }, cleanup: async () => {} };
 *   },
 * });
 */
export function runJITCredentialIssuerContract(options: JITCredentialIssuerContractOptions): void {
  describe(`JITCredentialIssuer contract: ${options.name}`, () => {
    const suite = createIssuerSuite(options);
    describe('basic', () => registerIssuerBasics(suite));
    describe('tokens', () => registerIssuerTokens(suite));
    if (suite.capabilities.clock) describe('expiry', () => registerIssuerExpiry(suite));
    describe('errors', () => registerIssuerErrors(suite));
  });
}
