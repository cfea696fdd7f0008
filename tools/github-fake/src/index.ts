/**
 * `@warden/github-fake`: a local GitHub REST API for tests that validates every request and
 * every response against GitHub's published OpenAPI description (`@octokit/openapi`).
 *
 * @packageDocumentation
 */
export { isValidSecretName, type SecretScope } from './actions-secret-store.js';
export type { FakeInstallationToken, FakeOverGrant, FakePermissionLevel } from './app-installations.js';
export {
  type CodespaceStore,
  DEFAULT_MACHINES,
  type FakeCodespace,
  type FakeCodespaceState,
  type FakeMachine,
} from './codespace-store.js';
export type { RecordedRequest, Violation } from './fake-http.js';
export type { FaultSpec, InjectedFault } from './fault-injection.js';
export { type GitHubFake, type GitHubFakeConfig, startGitHubFake } from './github-fake.js';
export type { FakeRepository } from './github-objects.js';
export { loadGitHubOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
