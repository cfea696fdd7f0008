import { runJITCredentialIssuerContract } from '@warden/contract-tests';
import { startGitHubFake } from '@warden/github-fake';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// Both issuers run against the GitHub test server, which validates every request and response
// against GitHub's OpenAPI description; cleanup closes it, failing the test on any violation.

runJITCredentialIssuerContract({
  name: 'github-actions-secrets',
  capabilities: { maxTtlMs: 86_400_000 },
  createSubject: async () => {
    const fake = await startGitHubFake();
    let time = Date.UTC(2026, 5, 1);
    const subject = createJITIssuerOnFake(fake, { now: () => time });
    return {
      subject,
      clock: {
        advance: (milliseconds) => {
          time += milliseconds;
        },
      },
      cleanup: async () => {
        await subject.close();
        await fake.close();
      },
    };
  },
});

runJITCredentialIssuerContract({
  name: 'github-app-installation-token',
  // GitHub's tokens live one hour, and GitHub reports their expiry to the second.
  capabilities: { maxTtlMs: 3_600_000, ttlGranularityMs: 1000 },
  scope: ['contents:read', 'repository:sandbox'],
  createSubject: async () => {
    // The issuer and the server share one clock: JWTs and token expiry are checked against it.
    let time = Date.now();
    const fake = await startGitHubFake({ now: () => time });
    const subject = createAppTokenIssuerOnFake(fake, { now: () => time });
    return {
      subject,
      clock: {
        advance: (milliseconds) => {
          time += milliseconds;
        },
      },
      cleanup: async () => {
        await subject.close();
        await fake.close();
      },
    };
  },
});
