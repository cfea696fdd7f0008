/**
 * `@warden/github-client`: Octokit client with retry, throttling and GitHub error mapping shared
 * by Warden's GitHub backends.
 *
 * @packageDocumentation
 */
export { createGitHubClient, type GitHubClient, type GitHubClientConfig } from './github-client.js';
export {
  type GitHubHttpError,
  gitHubStatusOf,
  isGitHubHttpError,
  redactGitHubTokens,
  toWardenError,
} from './github-error.js';
export {
  type GitHubClientSettings,
  gitHubClientSettingsSchema,
  gitHubNameSchema,
  ownSettings,
  refuseUnknownSettings,
  requireOctokitOrToken,
} from './github-settings.js';
