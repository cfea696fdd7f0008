/**
 * `@warden/sandbox-docker`: `Sandbox` on a Docker engine, hardened by default.
 *
 * @packageDocumentation
 */

export { SANDBOX_LABELS } from './container/labels.js';
export { createDockerClient, isDockerAvailable } from './docker-client.js';
export { createDockerSandbox, type DockerExecOptions, DockerSandbox } from './docker-sandbox.js';
export type { DockerExecBufferResult, DockerExecResult } from './exec/types.js';
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
} from './helpers.js';
export {
  type BuildSandboxImageOptions,
  type BuiltSandboxImage,
  buildSandboxImage,
  isSandboxImageAvailable,
} from './image/build.js';
export {
  DEFAULT_SANDBOX_CONSTRAINTS,
  DEFAULT_SANDBOX_IMAGE,
  type DockerSandboxConfig,
  type EgressProxySettings,
  type SandboxCeilings,
} from './limits/settings.js';
