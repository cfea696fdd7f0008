/**
 * `@warden/sandbox-codespaces`: `Sandbox` on GitHub Codespaces.
 *
 * @packageDocumentation
 */
export { type CodespaceState, toSandboxState } from './codespace-state.js';
