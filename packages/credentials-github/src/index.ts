/**
 * `@warden/credentials-github`: `JITCredentialIssuer` on GitHub: sealed repository secrets and
 * narrowed App installation tokens.
 *
 * @packageDocumentation
 */

export type { GitHubClient, GitHubClientSettings } from '@warden/github-client';
export { createGitHubAppTokenIssuer, type GitHubAppTokenIssuer } from './github-app-token-issuer.js';
export type { GitHubAppTokenIssuerConfig } from './github-app-token-settings.js';
export { createGitHubJITCredentialIssuer, type GitHubJITCredentialIssuer } from './github-jit-issuer.js';
export type { GitHubJITConfig } from './github-jit-settings.js';
export { SweepIncompleteError, type SweepIncompleteErrorCode } from './issuer-retry.js';
export type { CredentialTrackingSettings, RevocationRetrySettings } from './issuer-schemas.js';
