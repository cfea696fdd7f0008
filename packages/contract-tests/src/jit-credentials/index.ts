import { describe } from 'vitest';
import { registerIssuerBasics } from './basic.js';
import { registerIssuerErrors } from './errors.js';
import { registerIssuerExpiry } from './expiry.js';
import { createIssuerSuite, type JITCredentialIssuerContractOptions } from './harness.js';
import { registerIssuerLifetime, registerIssuerRevocation } from './lifetime.js';
import { registerIssuerOptions } from './options.js';
import { registerIssuerTokens } from './tokens.js';
import { registerIssuerUnpredictableTokens } from './unpredictable.js';

export {
  DEFAULT_JIT_CREDENTIAL_CAPABILITIES,
  type JITCredentialIssuerContractCapabilities,
  type JITCredentialIssuerContractOptions,
  type JITCredentialIssuerContractSubject,
} from './harness.js';

/**
 * Runs the `JITCredentialIssuer` contract suite against a backend: issue, revoke and isValid,
 * every TTL form, invalid TTLs and scopes, unpredictable tokens (distinct, at least 128 bits,
 * not from `Math.random`, no encoding or hash of the id) that never leak into errors, revocation
 * seen at once, ids never reused, and expiry to the millisecond (a credential is invalid at
 * exactly `expiresAt`) driven by the subject's clock. Whether tokens come from a CSPRNG rather
 * than a seeded generator cannot be checked from outside: that needs a code review.
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
    describe('tokens', () => {
      registerIssuerTokens(suite);
      registerIssuerUnpredictableTokens(suite);
    });
    describe('revocation', () => registerIssuerRevocation(suite));
    if (suite.capabilities.clock) {
      describe('expiry', () => {
        registerIssuerExpiry(suite);
        registerIssuerLifetime(suite);
      });
    }
    describe('errors', () => {
      registerIssuerErrors(suite);
      registerIssuerOptions(suite);
    });
  });
}
