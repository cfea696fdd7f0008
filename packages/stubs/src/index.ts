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
  type MemorySecretStoreOptions,
} from './memory-secret-store.js';
export {
  createStubApprovalWorkflow,
  type StubApprovalWorkflow,
  type StubApprovalWorkflowOptions,
} from './stub-approval-workflow.js';
export {
  createStubJITCredentialIssuer,
  type StubJITCredentialIssuer,
  type StubJITCredentialIssuerCall,
  type StubJITCredentialIssuerOptions,
} from './stub-jit-credential-issuer.js';
export {
  createStubKillSwitch,
  type StubKillSwitch,
  type StubKillSwitchCall,
  type StubKillSwitchOptions,
} from './stub-kill-switch.js';
export {
  createStubSandbox,
  STUB_SANDBOX_DEFAULTS,
  type StubSandbox,
  type StubSandboxCall,
  type StubSandboxExecution,
  type StubSandboxOptions,
  type StubSandboxResponse,
} from './stub-sandbox.js';
