/**
 * `@warden/stubs`: in-memory implementations of every Warden port, for tests and the embedded
 * default. Each passes the same contract suite as the real backends.
 *
 * @packageDocumentation
 */
export {
  createMemorySecretStore,
  type MemorySecretStore,
  type MemorySecretStoreCall,
  type MemorySecretStoreConfig,
} from './memory-secret-store.js';
export {
  createStubApprovalWorkflow,
  type StubApprovalWorkflow,
  type StubApprovalWorkflowConfig,
} from './stub-approval-workflow.js';
export {
  createStubJITCredentialIssuer,
  type StubJITCredentialIssuer,
  type StubJITCredentialIssuerCall,
  type StubJITCredentialIssuerConfig,
} from './stub-jit-credential-issuer.js';
export {
  createStubKillSwitch,
  type StubKillSwitch,
  type StubKillSwitchCall,
  type StubKillSwitchConfig,
} from './stub-kill-switch.js';
export {
  createStubSandbox,
  STUB_SANDBOX_DEFAULTS,
  type StubSandbox,
  type StubSandboxCall,
  type StubSandboxConfig,
  type StubSandboxExecution,
  type StubSandboxResponse,
} from './stub-sandbox.js';
