/**
 * `@warden/core`: trust levels, capabilities, policy, ports and typed errors — the
 * specification every Warden package implements. Pure logic, no I/O.
 *
 * Two subpaths hold what adapters share but applications rarely call:
 * `@warden/core/approval` (the approval state machine every `ApprovalWorkflow` runs) and
 * `@warden/core/policy` (glob lists and session access as the engine evaluates them).
 *
 * @module @warden/core
 */

export {
  type AttestedCapabilityFields,
  encodeAttestationPayload,
  signAttestation,
} from './algebra/algebra-attestation.js';
export type {
  AlgebraCapability,
  AlgebraCheckResult,
  Attestation,
  AttestationInput,
  AttestationStatus,
  AttestationVerification,
  AttesterPublicKey,
  CapabilityAlgebraConfig,
  CapabilityAlgebraSnapshot,
  CapabilityCheckContext,
  CapabilityConstraint,
  CapabilityConstraintType,
  CapabilityDerivation,
  CapabilityLifecycleRecord,
  CapabilityReference,
  CapabilityRestrictions,
  GrantCapabilityParams,
} from './algebra/algebra-types.js';
export { CapabilityAlgebra, createCapabilityAlgebra } from './algebra/capability-algebra.js';
export {
  APPROVAL_TIERS,
  type ApprovalClassificationInput,
  type ApprovalTier,
  classifyApprovalTier,
  compareTiers,
  isApprovalTier,
} from './approval-tier.js';
export {
  CAPABILITY_PROFILES,
  type Capability,
  type CapabilityProfileName,
  CORE_CAPABILITIES,
  type CoreCapability,
  isCapabilityName,
} from './capabilities.js';
export { expandCapabilities, hasCapability } from './capability-check.js';
export {
  type CapabilityRegistration,
  type CapabilityRegistry,
  CORE_TOOL_CAPABILITIES,
  createCapabilityRegistry,
  getDefaultCapabilityRegistry,
} from './capability-registry.js';
export { type Clock, monotonicClock, systemClock, toIsoTime } from './clock.js';
export { createJsonFileConfigStore, type JsonFileConfigStoreConfig } from './config-file-store.js';
export { type ConfigStore, createMemoryConfigStore, type MemoryConfigStore } from './config-store.js';
export {
  checkCapability,
  checkSessionAccess,
  checkToolAccess,
  events,
  filterToolsByPolicy,
  getDefaultSecurityEngine,
  getSecurityConfig,
  type InitSecurityOptions,
  initSecurity,
  resolvePolicy,
  saveSecurityConfig,
  setDefaultSecurityEngine,
} from './default-engine.js';
export { MAX_TTL_MS, parseTtl } from './duration.js';
export {
  AccessDeniedError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  BackendUnavailableError,
  CapabilityNotFoundError,
  CapabilityUnsupportedError,
  ConflictError,
  CredentialNotFoundError,
  type InputIssue,
  InvalidInputError,
  KillSwitchActiveError,
  type NotFoundCode,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  SandboxHardeningError,
  SandboxNotFoundError,
  UnsupportedSpecificationError,
  WardenError,
  type WardenErrorCode,
  type WardenErrorOptions,
} from './errors.js';
export {
  type AuditSink,
  createSecurityEventEmitter,
  emitSafely,
  REDACTED,
  redactSecrets,
  type SecurityEvent,
  type SecurityEventEmitter,
  type SecurityEventEmitterConfig,
  type SecurityEventInput,
  type SecurityEventListener,
  type SecurityEventType,
} from './events.js';
export {
  type AccessExplanation,
  type ExplainConfig,
  type ExplainLayer,
  type ExplainLayerName,
  type ExplainRule,
  explainCapability,
  explainToolAccess,
} from './explain.js';
export { findRepeatedJsonKey, refuseRepeatedJsonKeys } from './json-repeated-keys.js';
export { isLoopbackHostName } from './loopback.js';
export { canonicalJson, computePayloadDigest } from './payload-digest.js';
export type { PolicyCheckResult } from './policy/checks.js';
export {
  type AccessPattern,
  DEFAULT_SECURITY_CONFIG,
  type EnforcementMode,
  type GatewayForwardRules,
  type GatewayForwardRulesInput,
  type RateLimitConfig,
  type SandboxConfig,
  type SecurityConfig,
  type SecurityConfigInput,
  type SecurityPolicy,
  type SessionConfig,
  type SessionConfigInput,
  securityConfigSchema,
  type ToolPolicy,
} from './policy/config-schema.js';
export type { ResolvedPolicy, ResolvedRateLimit, ResolvedToolPolicy } from './policy/resolve.js';
export { DEFAULT_SANDBOX_BY_TRUST } from './policy/sandbox-defaults.js';
export {
  checkSandboxRequired,
  type SandboxRequirement,
  sandboxConstraintsFromPolicy,
} from './policy/sandbox-requirement.js';
export {
  type ApprovalDecision,
  type ApprovalFilter,
  type ApprovalRecord,
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalStore,
  type ApprovalWorkflow,
  approvalFilterSchema,
  approvalIdSchema,
  approvalRequestSchema,
  decisionReasonSchema,
  principalSchema,
} from './ports/approval.js';
export {
  credentialIdSchema,
  credentialScopeSchema,
  type IssueCredentialOptions,
  type JITCredential,
  type JITCredentialIssuer,
} from './ports/jit-credentials.js';
export {
  type KillSwitch,
  type KillSwitchChangeOptions,
  type KillSwitchListener,
  type KillSwitchState,
  killSwitchChangeOptionsSchema,
  killSwitchReasonSchema,
  MAX_KILL_SWITCH_REASON_LENGTH,
} from './ports/kill-switch.js';
export type { RateLimit, RateLimitDecision, RateLimiter } from './ports/rate-limiter.js';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  type ExecOptions,
  type ExecResult,
  envMapSchema,
  execOptionsSchema,
  type NetworkPolicy,
  type Sandbox,
  type SandboxCommand,
  type SandboxConstraints,
  type SandboxState,
  type SandboxStatus,
  sandboxCommandSchema,
  sandboxConstraintsSchema,
  sandboxIdSchema,
} from './ports/sandbox.js';
export { checkSecretName, type SecretStore } from './ports/secret-store.js';
export {
  assertSpecification,
  type ProviderIdentity,
  type SpecificationVersion,
} from './ports/specification.js';
export {
  type CapabilityCheckResult,
  createApiContext,
  createCliContext,
  createDaemonContext,
  createP2PContext,
  createP2PDiscoveryContext,
  createPluginContext,
  createSecurityContext,
  SecurityContext,
  type WhoamiResult,
} from './security-context.js';
export {
  checkCurrentCapability,
  checkCurrentToolAccess,
  clearContext,
  getContext,
  getCurrentContext,
  requireSecurityContext,
  storeContext,
  withSecurityContext,
} from './security-context-scope.js';
export {
  createSecurityEngine,
  type SecurityEngine,
  type SecurityEngineConfig,
} from './security-engine.js';
export { assertSource, copySource } from './source-validation.js';
export {
  createInjectionSource,
  DEFAULT_SOURCE_TRUST,
  INJECTION_SOURCE_TYPES,
  type InjectionSource,
  type InjectionSourceType,
  isInjectionSourceType,
} from './sources.js';
export { escapeTerminalBlock, escapeTerminalText } from './terminal-text.js';
export { MAX_TEXT_FILE_BYTES, type ReadTextFileOptions, readRegularTextFile } from './text-file.js';
export {
  assertTrustLevel,
  compareTrustLevel,
  isTrustLevel,
  meetsTrustLevel,
  TRUST_LEVELS,
  type TrustLevel,
} from './trust.js';
export { completeUtf8Length } from './utf8.js';
export {
  assertKnownOptions,
  hasBidiControls,
  hasControlCharacters,
  isPlainLine,
  isWellFormedText,
  ownOptions,
  parseInput,
  withoutBidiOverrides,
  withoutControlCharacters,
} from './validation.js';
