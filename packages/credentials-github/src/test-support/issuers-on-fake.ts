/**
 * Both issuers wired to the OpenAPI-validating GitHub fake, with the settings every test uses:
 * the fake's URL and credentials, a 5 ms retry delay unit and no spacing between writes.
 *
 * @module
 */
import type { GitHubFake } from '@warden/github-fake';
import { createGitHubAppTokenIssuer, type GitHubAppTokenIssuer } from '../github-app-token-issuer.js';
import type { GitHubAppTokenIssuerConfig } from '../github-app-token-settings.js';
import { createGitHubJITCredentialIssuer, type GitHubJITCredentialIssuer } from '../github-jit-issuer.js';
import type { GitHubJITConfig } from '../github-jit-settings.js';

/** Settings that make the built-in client and the revocation retries fast against the fake. */
const FAST_CLIENT = { retryDelayUnitMs: 5, minWriteIntervalMs: 0, revokeBackoffMs: 1 } as const;

/** An Actions-secrets issuer on the fake's `sandbox` repository, with the fake's user token. */
export function createJITIssuerOnFake(
  fake: GitHubFake,
  overrides: Partial<GitHubJITConfig> = {},
): GitHubJITCredentialIssuer {
  return createGitHubJITCredentialIssuer({
    token: fake.userToken,
    baseUrl: fake.url,
    owner: fake.owner,
    repo: 'sandbox',
    ...FAST_CLIENT,
    ...overrides,
  });
}

/** An App token issuer on the fake's GitHub App installation. */
export function createAppTokenIssuerOnFake(
  fake: GitHubFake,
  overrides: Partial<GitHubAppTokenIssuerConfig> = {},
): GitHubAppTokenIssuer {
  return createGitHubAppTokenIssuer({
    appId: fake.app.appId,
    privateKey: fake.app.privateKeyPem,
    installationId: fake.app.installationId,
    baseUrl: fake.url,
    ...FAST_CLIENT,
    ...overrides,
  });
}
