/**
 * `@warden/credentials-github`: `JITCredentialIssuer` on GitHub: sealed repository secrets and
 * narrowed App installation tokens.
 *
 * @packageDocumentation
 */
export { isValidGitHubSecretName } from './secret-name.js';
