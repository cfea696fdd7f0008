/**
 * `@warden/sandbox-codespaces`: `Sandbox` on GitHub Codespaces.
 *
 * @packageDocumentation
 */
export type { GitHubClient, GitHubClientSettings } from '@warden/github-client';
export {
  buildRemoteCommand,
  type CodespaceExecRequest,
  type CodespaceExecTransport,
} from './codespace-exec-transport.js';
export { createGhSshTransport, type GhSshTransportConfig } from './gh-ssh-transport.js';
export { createGitHubSandbox } from './github-sandbox.js';
export type { CodespaceGeo, GitHubSandboxConfig } from './github-sandbox-settings.js';
