/**
 * The seeds' public API (`/shared/seeds`: the WOPR security API, the ai-sdlc security
 * primitives, the claude-flow capability algebra), name by name, from the Warden package that
 * implements it. The assignments below are the seeds' signatures: `pnpm typecheck` fails when an
 * export stops accepting the seed's call or stops returning what the seed promises; the tests
 * fail when a name is no longer exported. Behaviour is tested beside each implementation.
 */
import * as approvals from '@warden/approvals';
import type {
  ApprovalClassificationInput,
  ApprovalRequest,
  ApprovalStatus,
  ApprovalTier,
  Capability,
  InjectionSource,
  InjectionSourceType,
  JITCredential,
  JITCredentialIssuer,
  KillSwitch,
  NetworkPolicy,
  PolicyCheckResult,
  ResolvedPolicy,
  Sandbox,
  SandboxConfig,
  SandboxConstraints,
  SandboxStatus,
  SecretStore,
  SecurityConfig,
  SecurityContext,
  SecurityEvent,
  SecurityEventType,
  SecurityPolicy,
  TrustLevel,
} from '@warden/core';
import * as core from '@warden/core';
import type { GitHubJITConfig } from '@warden/credentials-github';
import * as credentialsGitHub from '@warden/credentials-github';
import type { ForwardRequest, ForwardResult, InjectFunction } from '@warden/gateway';
import * as gateway from '@warden/gateway';
import type { GitHubSandboxConfig } from '@warden/sandbox-codespaces';
import * as sandboxCodespaces from '@warden/sandbox-codespaces';
import type { DockerSandboxConfig, SandboxInstance } from '@warden/sandbox-docker';
import * as sandboxDocker from '@warden/sandbox-docker';
import * as secretsEnv from '@warden/secrets-env';
import * as stubs from '@warden/stubs';
import { describe, expect, it } from 'vitest';

/** Where each seed name lives in Warden: one package per concern instead of one module. */
const SEED_EXPORTS: Record<string, { module: Record<string, unknown>; names: string[] }> = {
  '@warden/core': {
    module: core,
    names: [
      // WOPR
      'compareTrustLevel',
      'meetsTrustLevel',
      'hasCapability',
      'expandCapabilities',
      'CAPABILITY_PROFILES',
      'createInjectionSource',
      'initSecurity',
      'getSecurityConfig',
      'saveSecurityConfig',
      'resolvePolicy',
      'checkSessionAccess',
      'checkCapability',
      'checkToolAccess',
      'filterToolsByPolicy',
      'checkSandboxRequired',
      'SecurityContext',
      'createSecurityContext',
      'createCliContext',
      'createDaemonContext',
      'createPluginContext',
      'createP2PContext',
      'createP2PDiscoveryContext',
      'createApiContext',
      'storeContext',
      'getContext',
      'clearContext',
      'withSecurityContext',
      'events',
      // ai-sdlc
      'classifyApprovalTier',
      'compareTiers',
      // claude-flow
      'CapabilityAlgebra',
      'createCapabilityAlgebra',
    ],
  },
  '@warden/sandbox-docker': {
    module: sandboxDocker,
    names: [
      'isDockerAvailable',
      'isSandboxImageAvailable',
      'buildSandboxImage',
      'createSandbox',
      'execInSandbox',
      'destroySandbox',
      'getSandboxStatus',
      'listSandboxes',
      'cleanupAllSandboxes',
      'createDockerSandbox',
    ],
  },
  '@warden/gateway': {
    module: gateway,
    names: [
      'isGateway',
      'getForwardRules',
      'canForwardTo',
      'forwardRequest',
      'routeThroughGateway',
      'requiresGateway',
      'findGatewayForSource',
      'queueForApproval',
      'approveRequest',
      'rejectRequest',
      'getPendingRequests',
      'approveAndExecute',
    ],
  },
  '@warden/stubs': {
    module: stubs,
    names: ['createStubSandbox', 'createStubJITCredentialIssuer', 'createStubKillSwitch', 'createStubApprovalWorkflow'],
  },
  '@warden/sandbox-codespaces': { module: sandboxCodespaces, names: ['createGitHubSandbox'] },
  '@warden/credentials-github': { module: credentialsGitHub, names: ['createGitHubJITCredentialIssuer'] },
  '@warden/secrets-env': { module: secretsEnv, names: ['createEnvSecretStore'] },
  '@warden/approvals': { module: approvals, names: ['createApprovalWorkflow'] },
};

describe('the seeds’ names', () => {
  it.each(Object.entries(SEED_EXPORTS))('%s exports the seed names it implements', (_name, { module, names }) => {
    expect(names.filter((name) => module[name] === undefined)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The seeds' signatures, checked by `pnpm typecheck`. Each line assigns Warden's export to the
// seed's declared type: extra optional parameters (an engine, options) are fine, a parameter the
// seed does not pass or a return the seed does not promise is a type error here.

/** WOPR: trust, capabilities, sources. */
const woprTrust = {
  compareTrustLevel: core.compareTrustLevel satisfies (a: TrustLevel, b: TrustLevel) => number,
  meetsTrustLevel: core.meetsTrustLevel satisfies (actual: TrustLevel, required: TrustLevel) => boolean,
  hasCapability: core.hasCapability satisfies (capabilities: Capability[], required: Capability) => boolean,
  expandCapabilities: core.expandCapabilities satisfies (capabilities: Capability[]) => Capability[],
  createInjectionSource: core.createInjectionSource satisfies (
    type: InjectionSourceType,
    overrides?: Partial<InjectionSource>,
  ) => InjectionSource,
};

/** WOPR: policy and contexts. */
const woprPolicy = {
  initSecurity: core.initSecurity satisfies () => Promise<void>,
  getSecurityConfig: core.getSecurityConfig satisfies () => SecurityConfig,
  saveSecurityConfig: core.saveSecurityConfig satisfies (config: SecurityConfig) => unknown,
  resolvePolicy: core.resolvePolicy satisfies (source: InjectionSource, session: string) => ResolvedPolicy,
  checkSessionAccess: core.checkSessionAccess satisfies (source: InjectionSource, session: string) => PolicyCheckResult,
  checkCapability: core.checkCapability satisfies (
    source: InjectionSource,
    session: string,
    capability: Capability,
  ) => PolicyCheckResult,
  checkToolAccess: core.checkToolAccess satisfies (
    source: InjectionSource,
    session: string,
    toolName: string,
  ) => PolicyCheckResult,
  filterToolsByPolicy: core.filterToolsByPolicy satisfies (
    tools: string[],
    source: InjectionSource,
    session: string,
  ) => string[],
  createSecurityContext: core.createSecurityContext satisfies (
    source: InjectionSource,
    session: string,
  ) => SecurityContext,
  createCliContext: core.createCliContext satisfies (session: string) => SecurityContext,
  createDaemonContext: core.createDaemonContext satisfies (session: string) => SecurityContext,
  createPluginContext: core.createPluginContext satisfies (
    pluginName: string,
    session: string,
    trustLevel?: TrustLevel,
  ) => SecurityContext,
  createP2PContext: core.createP2PContext satisfies (
    session: string,
    publicKey: string,
    trustLevel: TrustLevel,
  ) => SecurityContext,
  createP2PDiscoveryContext: core.createP2PDiscoveryContext satisfies (
    session: string,
    publicKey: string,
  ) => SecurityContext,
  createApiContext: core.createApiContext satisfies (
    session: string,
    apiKey: string,
    trustLevel?: TrustLevel,
  ) => SecurityContext,
  storeContext: core.storeContext satisfies (ctx: SecurityContext) => void,
  getContext: core.getContext satisfies (session: string) => SecurityContext | undefined,
  clearContext: core.clearContext satisfies (session: string) => void,
  withSecurityContext: core.withSecurityContext satisfies <T>(ctx: SecurityContext, fn: () => Promise<T>) => Promise<T>,
};

/** What the seed reads from a context, a resolved policy, a check result and an event. */
function woprShapes(
  ctx: SecurityContext,
  policy: ResolvedPolicy,
  check: PolicyCheckResult,
  event: SecurityEvent,
  layer: SecurityPolicy,
): unknown[] {
  const sandbox: SandboxConfig = policy.sandbox;
  const type: SecurityEventType = event.type;
  return [
    ctx.source satisfies InjectionSource,
    ctx.session satisfies string,
    ctx.trustLevel satisfies TrustLevel,
    ctx.capabilities satisfies Capability[],
    ctx.hasCapability('inject.tools') satisfies boolean,
    ctx.isToolAllowed('Bash') satisfies boolean,
    ctx.canForward() satisfies boolean,
    ctx.getResolvedPolicy() satisfies ResolvedPolicy,
    policy.trustLevel satisfies TrustLevel,
    sandbox.enabled,
    policy.tools.deny,
    check.allowed satisfies boolean,
    check.reason satisfies string | undefined,
    check.requiredCapability satisfies Capability | undefined,
    check.requiresGateway satisfies boolean | undefined,
    check.suggestedGateway satisfies string | undefined,
    type,
    event.timestamp satisfies number,
    event.session satisfies string | undefined,
    event.details satisfies Record<string, unknown>,
    layer.capabilities,
    core.CAPABILITY_PROFILES.trusted satisfies readonly Capability[],
    core.events.on('security', (seen: SecurityEvent) => seen.details),
  ];
}

/** WOPR: the Docker sandbox functions. */
const woprSandbox = {
  isDockerAvailable: sandboxDocker.isDockerAvailable satisfies () => Promise<boolean>,
  isSandboxImageAvailable: sandboxDocker.isSandboxImageAvailable satisfies () => Promise<boolean>,
  buildSandboxImage: sandboxDocker.buildSandboxImage satisfies () => Promise<unknown>,
  createSandbox: sandboxDocker.createSandbox satisfies (
    sessionName: string,
    config?: SandboxConfig,
  ) => Promise<SandboxInstance>,
  execInSandbox: sandboxDocker.execInSandbox satisfies (
    containerId: string,
    command: string,
    options?: { timeout?: number; cwd?: string; env?: Record<string, string> },
  ) => Promise<{ stdout: string; stderr: string; exitCode: number }>,
  destroySandbox: sandboxDocker.destroySandbox satisfies (containerId: string) => Promise<void>,
  getSandboxStatus: sandboxDocker.getSandboxStatus satisfies (containerId: string) => Promise<SandboxInstance | null>,
  listSandboxes: sandboxDocker.listSandboxes satisfies () => Promise<SandboxInstance[]>,
  cleanupAllSandboxes: sandboxDocker.cleanupAllSandboxes satisfies () => Promise<void>,
};

/** What the seed reads from a sandbox instance. */
function woprSandboxInstance(instance: SandboxInstance): unknown[] {
  return [
    instance.containerId satisfies string,
    instance.sessionName satisfies string,
    instance.status satisfies 'created' | 'running' | 'stopped' | 'destroyed',
    instance.config,
  ];
}

/**
 * WOPR: the gateway functions. Deliberate differences, documented in the gateway README
 * ("Rules", last point): the approval functions are asynchronous (the workflow is a port), and
 * `approveRequest`, `rejectRequest` and `approveAndExecute` take the approver's name, which the
 * seed leaves out and Warden records (and refuses when it is the requester's).
 */
const woprGateway = {
  isGateway: gateway.isGateway satisfies (sessionName: string) => boolean,
  getForwardRules: gateway.getForwardRules satisfies (sessionName: string) => unknown,
  canForwardTo: gateway.canForwardTo satisfies (gatewaySession: string, targetSession: string) => boolean,
  forwardRequest: gateway.forwardRequest satisfies (
    gatewaySession: string,
    targetSession: string,
    message: string,
    originalSource: InjectionSource,
    options?: { actionType?: string; skipApproval?: boolean; injectFn?: InjectFunction },
  ) => Promise<ForwardResult>,
  routeThroughGateway: gateway.routeThroughGateway satisfies (
    source: InjectionSource,
    targetSession: string,
    message: string,
    injectFn?: InjectFunction,
  ) => Promise<ForwardResult | null>,
  requiresGateway: gateway.requiresGateway satisfies (source: InjectionSource, targetSession: string) => boolean,
  findGatewayForSource: gateway.findGatewayForSource satisfies (
    source: InjectionSource,
    requestedSession: string,
  ) => string | null,
  queueForApproval: gateway.queueForApproval satisfies (request: ForwardRequest) => Promise<unknown>,
  approveRequest: gateway.approveRequest satisfies (
    requestId: string,
    approver: string,
  ) => Promise<ForwardRequest | null>,
  rejectRequest: gateway.rejectRequest satisfies (
    requestId: string,
    approver: string,
    reason: string,
  ) => Promise<ForwardRequest | null>,
  getPendingRequests: gateway.getPendingRequests satisfies (gatewaySession?: string) => Promise<ForwardRequest[]>,
  approveAndExecute: gateway.approveAndExecute satisfies (
    requestId: string,
    approver: string,
    injectFn?: InjectFunction,
  ) => Promise<ForwardResult>,
};

/** What the seed reads from a forward result. */
function woprForwardResult(result: ForwardResult): unknown[] {
  return [
    result.success satisfies boolean,
    result.response satisfies string | undefined,
    result.error satisfies string | undefined,
    result.requestId satisfies string,
    result.requiresApproval satisfies boolean | undefined,
  ];
}

/** ai-sdlc: the ports as the seed declares them (Warden's have more, never less). */
interface SeedPorts {
  sandbox: {
    create(constraints: SandboxConstraints): Promise<SandboxStatus>;
    destroy(id: string): Promise<void>;
    getStatus(id: string): Promise<SandboxStatus>;
    execute(id: string, command: string): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  };
  issuer: {
    issue(scope: string[], ttl: string): Promise<JITCredential>;
    revoke(credentialId: string): Promise<void>;
  };
  killSwitch: {
    activate(reason: string): Promise<void>;
    deactivate(): Promise<void>;
    isActive(): Promise<boolean>;
    getReason(): Promise<string | undefined>;
  };
  workflow: {
    request(request: ApprovalRequest): Promise<string>;
    approve(requestId: string, approver: string): Promise<ApprovalStatus>;
    reject(requestId: string, approver: string, reason: string): Promise<ApprovalStatus>;
    getStatus(requestId: string): Promise<ApprovalStatus>;
  };
  secretStore: {
    get(name: string): Promise<string | undefined>;
    set(name: string, value: string): Promise<void>;
    delete(name: string): Promise<void>;
    list(): Promise<string[]>;
  };
}

/** ai-sdlc: the factories, each returning the seed's port. */
const aiSdlc = {
  classifyApprovalTier: core.classifyApprovalTier satisfies (input: ApprovalClassificationInput) => ApprovalTier,
  compareTiers: core.compareTiers satisfies (a: ApprovalTier, b: ApprovalTier) => number,
  createStubSandbox: stubs.createStubSandbox satisfies () => SeedPorts['sandbox'],
  createStubJITCredentialIssuer: stubs.createStubJITCredentialIssuer satisfies () => SeedPorts['issuer'],
  createStubKillSwitch: stubs.createStubKillSwitch satisfies () => SeedPorts['killSwitch'],
  createStubApprovalWorkflow: stubs.createStubApprovalWorkflow satisfies () => SeedPorts['workflow'],
  createGitHubSandbox: sandboxCodespaces.createGitHubSandbox satisfies (
    config: GitHubSandboxConfig,
  ) => SeedPorts['sandbox'],
  createGitHubJITCredentialIssuer: credentialsGitHub.createGitHubJITCredentialIssuer satisfies (
    config: GitHubJITConfig,
  ) => SeedPorts['issuer'],
  createDockerSandbox: sandboxDocker.createDockerSandbox satisfies (
    config: DockerSandboxConfig,
  ) => SeedPorts['sandbox'],
  createEnvSecretStore: secretsEnv.createEnvSecretStore satisfies () => SeedPorts['secretStore'],
  ports: {} as {
    sandbox: Sandbox;
    issuer: JITCredentialIssuer;
    killSwitch: KillSwitch;
    secretStore: SecretStore;
  } satisfies Omit<SeedPorts, 'workflow'>,
  networkPolicies: ['none', 'egress-only', 'full'] satisfies NetworkPolicy[],
  tiers: ['auto', 'peer-review', 'team-lead', 'security-review'] satisfies ApprovalTier[],
};

/** claude-flow: the algebra's methods, called as the reference implementation calls them. */
function claudeFlow(): unknown[] {
  const algebra: core.CapabilityAlgebra = core.createCapabilityAlgebra();
  const root = algebra.grant({
    scope: 'tool',
    resource: 'bash',
    actions: ['read', 'execute'],
    constraints: [{ type: 'budget', params: { limit: 100 } }],
    grantedBy: 'authority',
    grantedTo: 'planner',
    expiresAt: null,
    delegatable: true,
  });
  const restricted = algebra.restrict(root, { actions: ['read'], expiresAt: Date.now() + 60_000, delegatable: false });
  const delegated = algebra.delegate(root, 'worker', { actions: ['read'] });
  algebra.attest(root.id, { attesterId: 'reviewer', claim: 'reviewed', evidence: null, signature: null });
  const result = algebra.check('worker', 'tool', 'bash', 'read', { budgetUsed: 1 });
  const composed = algebra.compose(root, restricted);
  algebra.expire(delegated.id);
  algebra.revoke(root.id, 'rotated');
  return [
    new core.CapabilityAlgebra(),
    result.allowed satisfies boolean,
    result.reason satisfies string,
    result.capabilities,
    result.constraints,
    root.parentCapabilityId satisfies string | null,
    root.expiresAt satisfies number | null,
    root.revokedAt satisfies number | null,
    algebra.getCapabilities('worker'),
    algebra.getCapability(root.id),
    algebra.getDelegationChain(delegated.id),
    algebra.isSubset(restricted, root) satisfies boolean,
    composed,
  ];
}

describe('the seeds’ signatures (checked by the type checker)', () => {
  it.each(Object.entries({ woprTrust, woprPolicy, woprSandbox, woprGateway, aiSdlc }))(
    '%s: every entry is the exported function',
    (_group, entries) => {
      const functions = Object.values(entries).filter((entry) => typeof entry === 'function');
      expect(functions.length).toBeGreaterThan(0);
    },
  );

  it('the shape readers compile (they are type checks, not run)', () => {
    for (const reader of [woprShapes, woprSandboxInstance, woprForwardResult]) expect(reader).toBeTypeOf('function');
  });
});

describe('the claude-flow algebra, called as the reference implementation calls it', () => {
  it('grant, restrict, delegate, attest, check, compose, expire and revoke run without a type or runtime error', () => {
    const [, allowed] = claudeFlow();
    expect(allowed).toBe(true);
  });
});
