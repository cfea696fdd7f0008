/**
 * `@warden/contract-tests`: the suites every Warden backend and stub runs, so that swapping a
 * stub for a real backend is honest.
 *
 * @packageDocumentation
 */
export {
  type ApprovalStoreContractCapabilities,
  type ApprovalStoreContractOptions,
  DEFAULT_APPROVAL_STORE_CAPABILITIES,
  runApprovalStoreContract,
} from './approval-store/index.js';
export {
  APPROVAL_CONTRACT_TTL_MS,
  type ApprovalWorkflowContractCapabilities,
  type ApprovalWorkflowContractOptions,
  type ApprovalWorkflowContractSubject,
  runApprovalWorkflowContract,
} from './approval-workflow/index.js';
export {
  DEFAULT_JIT_CREDENTIAL_CAPABILITIES,
  type JITCredentialIssuerContractCapabilities,
  type JITCredentialIssuerContractOptions,
  type JITCredentialIssuerContractSubject,
  runJITCredentialIssuerContract,
} from './jit-credentials/index.js';
export {
  type CreateKillSwitchPeer,
  type KillSwitchContractCapabilities,
  type KillSwitchContractOptions,
  runKillSwitchContract,
} from './kill-switch/index.js';
export {
  DEFAULT_RATE_LIMITER_CAPABILITIES,
  type RateLimiterContractCapabilities,
  type RateLimiterContractOptions,
  type RateLimiterContractSubject,
  runRateLimiterContract,
} from './rate-limiter/index.js';
export {
  DEFAULT_SANDBOX_CAPABILITIES,
  runSandboxContract,
  type SandboxContractCapabilities,
  type SandboxContractOptions,
  type ScriptSandboxOutput,
} from './sandbox/index.js';
export {
  DEFAULT_SECRET_STORE_CAPABILITIES,
  runSecretStoreContract,
  SECRET_STORE_CONTRACT_NAMES,
  type SecretStoreContractCapabilities,
} from './secret-store/index.js';
export type { CreatePeer } from './subject.js';
export type { ContractClock, ContractOptions, ContractSubject } from './types.js';
