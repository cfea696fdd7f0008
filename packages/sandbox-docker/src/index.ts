/**
 * `@warden/sandbox-docker`: `Sandbox` on a Docker engine, hardened by default.
 *
 * @packageDocumentation
 */
export { createDockerClient, isDockerAvailable } from './docker-client.js';
export { createDockerSandbox, DockerSandbox } from './docker-sandbox.js';
export { CPU_PERIOD_MICROSECONDS, SUPERVISOR_PIDS } from './docker-sandbox-container-spec.js';
export { isCredentialLikeEnvName } from './docker-sandbox-env.js';
export type { DockerExecResult } from './docker-sandbox-exec-types.js';
export {
  cleanupAllSandboxes,
  configureSandboxHelpers,
  createSandbox,
  destroySandbox,
  type ExecInSandboxOptions,
  execInSandbox,
  getSandboxStatus,
  listSandboxes,
  type SandboxHelperConfig,
  type SandboxInstance,
  sharedDockerSandbox,
} from './docker-sandbox-helpers.js';
export {
  type BuildSandboxImageOptions,
  type BuiltSandboxImage,
  buildSandboxImage,
  isSandboxImageAvailable,
} from './docker-sandbox-image.js';
export { SANDBOX_LABELS } from './docker-sandbox-labels.js';
export {
  DEFAULT_SANDBOX_CONSTRAINTS,
  DEFAULT_SANDBOX_IMAGE,
  type DockerSandboxConfig,
  type EgressProxySettings,
  type SandboxCeilings,
} from './docker-sandbox-settings.js';
