import { join } from 'node:path';
import type { ExampleContext, RunnableExample } from './readme-examples.js';

const repositoryRoot = join(import.meta.dirname, '..', '..');

/**
 * What each README's examples have at hand without creating it: the application's own values
 * (a source, a session, a logger, a message to deliver), with the types the packages give them.
 * Keep each entry to what a reader of that README would already have; an example should create
 * what it is about.
 */
const core = {
  InjectionSource: "import('@warden/core').InjectionSource",
  KillSwitch: "import('@warden/core').KillSwitch",
  ApprovalWorkflow: "import('@warden/core').ApprovalWorkflow",
  Sandbox: "import('@warden/core').Sandbox",
} as const;

const contexts: Record<string, ExampleContext> = {
  'packages/approvals/README.md': { securityTeam: 'ReadonlySet<string>' },
  'packages/audit/README.md': { logger: '{ error(fields: object, message: string): void }' },
  'packages/console/README.md': {
    workflow: core.ApprovalWorkflow,
    gateway: "import('@warden/gateway').Gateway",
    killSwitch: core.KillSwitch,
    auditLog: "import('@warden/audit').AuditLog",
    mcpEnforcer: "import('@warden/mcp').McpEnforcer",
    events: "import('@warden/core').SecurityEventEmitter",
    host: "import('node:http').RequestListener",
  },
  'packages/contract-tests/README.md': { url: 'string' },
  'packages/core/README.md': {
    inject: `(session: string, message: string, options: { source: ${core.InjectionSource} }) => Promise<string>`,
    exec: '(code: string) => Promise<{ stdout: string; stderr: string; exitCode: number }>',
    audit: "{ write(event: import('@warden/core').SecurityEvent): void }",
    source: core.InjectionSource,
    config: `{ killSwitch: ${core.KillSwitch} }`,
  },
  'packages/credentials-github/README.md': { issuer: "import('@warden/credentials-github').GitHubJITCredentialIssuer" },
  'packages/gateway/README.md': {
    // The application's own delivery, which the gateway also calls (with the request's id).
    inject: `(session: string, message: string, options: { source: ${core.InjectionSource}; requestId?: string }) => Promise<string>`,
    killSwitch: core.KillSwitch,
    engine: "import('@warden/core').SecurityEngine",
    workflow: core.ApprovalWorkflow,
    rateLimiter: "import('@warden/core').RateLimiter",
    now: '() => number',
    text: 'string',
    source: core.InjectionSource,
  },
  'packages/github-client/README.md': { userSettings: 'unknown', token: 'string' },
  'packages/mcp/README.md': {
    config: "import('@warden/mcp').WardenMcpConfigInput",
    killSwitch: core.KillSwitch,
    approvals: core.ApprovalWorkflow,
    method: 'string',
    params: 'unknown',
    sendToUpstream: "import('@warden/mcp').McpUpstreamCall",
  },
  'packages/redis-client/README.md': { config: 'unknown' },
  'packages/sandbox-codespaces/README.md': {
    token: 'string',
    owner: 'string',
    repo: 'string',
    mySshRun:
      "(codespace: string, line: string, request: import('@warden/sandbox-codespaces').CodespaceExecRequest) => Promise<import('@warden/core').ExecResult>",
  },
  'packages/sandbox-docker/README.md': {
    untrusted: 'string',
    exec: '(code: string) => Promise<{ stdout: string; stderr: string; exitCode: number }>',
  },
  'packages/secrets-env/README.md': { value: 'string' },
  'packages/stubs/README.md': { runAgent: `(agent: { sandbox: ${core.Sandbox} }) => Promise<void>` },
};

/** Modules an example imports from the reader's own code (`./vault-credential-issuer.js`). */
const modules: Record<string, Readonly<Record<string, string>>> = {
  // The example app's README is read beside the app: its `./src/…` are the app's own modules.
  'apps/example/README.md': {
    './src/agent-host.js': `export * from '${join(repositoryRoot, 'apps/example/src/agent-host.ts')}';`,
    './src/config.js': `export * from '${join(repositoryRoot, 'apps/example/src/config.ts')}';`,
  },
  'packages/contract-tests/README.md': {
    './vault-credential-issuer.js': [
      "import type { JITCredentialIssuer } from '@warden/core';",
      'export declare function createVaultJITCredentialIssuer(config: { url: string; now?: () => number }):',
      '  JITCredentialIssuer & { close?(): Promise<void> };',
    ].join('\n'),
  },
};

/** The values a README's examples use without creating them, by name, with their types. */
export function exampleContext(readme: string): ExampleContext {
  return contexts[readme] ?? {};
}

/** The reader's own modules a README's examples import, by specifier, as TypeScript source. */
export function exampleModules(readme: string): Readonly<Record<string, string>> {
  return modules[readme] ?? {};
}

/**
 * The examples that run as written, without Docker, Redis or GitHub: each runs in the unit tests,
 * and each line of it that shows what a call returns (`await ks.isActive(); // false`) is checked.
 */
export const RUNNABLE_EXAMPLES: readonly RunnableExample[] = [
  { readme: 'packages/stubs/README.md', firstLine: "import { createStubKillSwitch } from '@warden/stubs';" },
  {
    readme: 'packages/stubs/README.md',
    firstLine: "import { createStubSandbox } from '@warden/stubs';",
    prelude: [
      "const runAgent = async ({ sandbox }: { sandbox: import('@warden/core').Sandbox }): Promise<void> => {",
      '  const { id } = await sandbox.create({});',
      "  for (const command of ['npm ci', 'npm test']) if ((await sandbox.execute(id, command)).exitCode !== 0) break;",
      '};',
    ].join('\n'),
  },
  { readme: 'packages/stubs/README.md', firstLine: "import { createStubJITCredentialIssuer } from '@warden/stubs';" },
  {
    readme: 'packages/approvals/README.md',
    firstLine: "import { createApprovalWorkflow } from '@warden/approvals';",
    prelude: "const securityTeam = new Set(['sam', 'sue']);",
  },
  { readme: 'packages/core/README.md', firstLine: "import { createCapabilityAlgebra } from '@warden/core';" },
  {
    readme: 'packages/gateway/README.md',
    firstLine: "import { createGateway } from '@warden/gateway';",
    prelude: [
      "const { createInjectionSource, createSecurityEngine } = await import('@warden/core');",
      "const { createStubApprovalWorkflow, createStubKillSwitch } = await import('@warden/stubs');",
      "const { createMemoryRateLimiter } = await import('@warden/gateway');",
      'const engine = createSecurityEngine({',
      '  config: {',
      '    sessions: {',
      "      'approval-gateway': {",
      "        access: ['type:p2p-discovery'],",
      "        capabilities: ['inject', 'cross.inject'],",
      "        gateway: { allowForwardTo: ['code-*'], allowActions: ['chat'], requireApproval: true },",
      '      },',
      "      'code-assistant': { access: ['session:approval-gateway'] },",
      '    },',
      '  },',
      '});',
      'const workflow = createStubApprovalWorkflow();',
      'const delivered: string[] = [];',
      'const inject = async (_session: string, message: string): Promise<string> => {',
      '  delivered.push(message);',
      "  return 'done';",
      '};',
      'const killSwitch = createStubKillSwitch();',
      'const rateLimiter = createMemoryRateLimiter();',
      'const now = Date.now;',
      "const text = 'summarise the open issues';",
      "const source = createInjectionSource('p2p-discovery', { identity: { publicKey: 'peer-key' } });",
    ].join('\n'),
    postlude: [
      "if (queued.requiresApproval !== true) throw new Error('the request was not queued for approval');",
      "if (delivered.join() !== text) throw new Error('the approved request was not delivered once');",
    ].join('\n'),
  },
  {
    readme: 'packages/core/README.md',
    firstLine: "import { assertSpecification } from '@warden/core';",
    prelude: "const config = { killSwitch: (await import('@warden/stubs')).createStubKillSwitch() };",
  },
];
