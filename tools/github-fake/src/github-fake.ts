/**
 * `startGitHubFake()`: a local GitHub REST API for tests that validates every request and every
 * response against GitHub's published OpenAPI description.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActionsSecretStore, type SecretScope } from './actions-secret-store.js';
import {
  AppInstallations,
  type FakeInstallationToken,
  type FakeOverGrant,
  type FakePermissionLevel,
} from './app-installations.js';
import { CodespaceStore, DEFAULT_MACHINES, type FakeMachine } from './codespace-store.js';
import { type FakeHttpContext, handleFakeRequest, type RecordedRequest, type Violation } from './fake-http.js';
import type { FakeWorld, Route } from './fake-routes.js';
import { FaultInjector, type FaultSpec, type InjectedFault } from './fault-injection.js';
import type { FakeRepository } from './github-objects.js';
import { getOperations } from './openapi-operations.js';
import { appRoutes } from './routes-apps.js';
import { codespaceRoutes } from './routes-codespaces.js';
import { actionsSecretRoutes } from './routes-secrets.js';

/** Configuration of {@link startGitHubFake}. */
export interface GitHubFakeConfig {
  /** Login of the authenticated user. @default 'octocat' */
  login?: string;
  /** Owner of every repository. @default 'octo-org' */
  owner?: string;
  /** Repositories that exist, with their environments. @default [{ name: 'sandbox', environments: ['ci'] }, { name: 'tools' }] */
  repositories?: Array<{ name: string; environments?: string[] }>;
  /** The app installation's permissions and repositories. @default contents, issues, secrets write; metadata read; every repository */
  installation?: {
    permissions?: Record<string, FakePermissionLevel>;
    repositories?: string[];
    /** Added to every token; default `metadata: read` when the installation has `metadata`, as GitHub does. */
    alwaysGrant?: Record<string, FakePermissionLevel>;
  };
  /** Machine types offered. @default GitHub's basic, standard, premium and large premium Linux machines */
  machines?: FakeMachine[];
  /** Time a codespace spends in each transitional state. @default 20 */
  codespaceStepMs?: number;
  /** When false, codespace states move only through `codespaces.advance(name)`. @default true */
  autoAdvance?: boolean;
  /** The fake's clock (token expiry, JWT checks, codespace steps). @default Date.now */
  now?: () => number;
}

/** A running fake. */
export interface GitHubFake {
  /** Base URL to give Octokit (`baseUrl`), for example `http://127.0.0.1:43210`. */
  readonly url: string;
  /** A personal access token the fake accepts for the authenticated user. */
  readonly userToken: string;
  /** Login of the authenticated user. */
  readonly login: string;
  /** Owner of the fake's repositories. */
  readonly owner: string;
  /** The repositories that exist. */
  readonly repositories: readonly FakeRepository[];
  /**
   * The GitHub App: its id, private key (PEM) and installation id, every token minted, and a
   * fault that makes the next token request(s) grant more than asked.
   */
  readonly app: {
    appId: number;
    privateKeyPem: string;
    installationId: number;
    tokens(): FakeInstallationToken[];
    grantMoreThanAsked(overGrant: FakeOverGrant): void;
  };
  /** The codespaces, to inspect or to move along (`advance`, `setState`). */
  readonly codespaces: CodespaceStore;
  /** The decrypted value of a secret, or `undefined` when it does not exist. */
  secretValue(scope: SecretScope, name: string): string | undefined;
  /** Names of the secrets in a scope (upper-case, as GitHub reports them). */
  secretNames(scope: SecretScope): string[];
  /** Injects a fault for the next matching request(s). */
  injectFault(spec: FaultSpec): InjectedFault;
  /** Drops every pending fault. */
  clearFaults(): void;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** The requests received for one operation (for example `actions/get-repo-public-key`), in order. */
  requestsTo(operationId: string): RecordedRequest[];
  /** Violations not yet taken. */
  readonly violations: readonly Violation[];
  /** Returns and forgets the violations recorded so far (for tests that provoke them on purpose). */
  takeViolations(): Violation[];
  /** Throws when any violation was recorded and not taken. */
  assertNoViolations(): void;
  /** Stops the server; then throws when violations were recorded and not taken. */
  close(): Promise<void>;
}

const ALL_ROUTES: readonly Route[] = [...codespaceRoutes, ...actionsSecretRoutes, ...appRoutes];

const DEFAULT_PERMISSIONS: Record<string, FakePermissionLevel> = {
  contents: 'write',
  issues: 'write',
  secrets: 'write',
  metadata: 'read',
};

/** Starts a fake on 127.0.0.1 on a free port. */
export async function startGitHubFake(config: GitHubFakeConfig = {}): Promise<GitHubFake> {
  const now = config.now ?? Date.now;
  const login = config.login ?? 'octocat';
  const owner = config.owner ?? 'octo-org';
  const repositories = (config.repositories ?? [{ name: 'sandbox', environments: ['ci'] }, { name: 'tools' }]).map(
    (repository, index) => ({
      id: 100 + index,
      owner,
      name: repository.name,
      environments: repository.environments ?? [],
    }),
  );
  const installationId = 7_000_001;
  const apps = new AppInstallations([
    {
      id: installationId,
      permissions: config.installation?.permissions ?? DEFAULT_PERMISSIONS,
      repositories: config.installation?.repositories ?? repositories.map((repository) => repository.name),
      alwaysGrant: config.installation?.alwaysGrant,
    },
  ]);
  const world: FakeWorld = {
    baseUrl: 'http://127.0.0.1',
    login,
    userId: 583231,
    repositories,
    machines: config.machines ?? [...DEFAULT_MACHINES],
    codespaces: new CodespaceStore({
      now,
      login,
      stepMs: config.codespaceStepMs ?? 20,
      autoAdvance: config.autoAdvance ?? true,
    }),
    secrets: await ActionsSecretStore.create(),
    apps,
  };
  const userToken = `ghp_${randomBytes(18).toString('hex')}`;
  const context: FakeHttpContext = {
    world,
    routes: new Map(ALL_ROUTES.map((route) => [route.operationId, route])),
    operations: getOperations(ALL_ROUTES.map((route) => route.operationId)),
    userTokens: new Set([userToken]),
    faults: new FaultInjector(),
    now,
    violations: [],
    requests: [],
  };
  const server = createServer((request, response) => void handleFakeRequest(context, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  world.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: world.baseUrl,
    userToken,
    login,
    owner,
    repositories,
    app: {
      appId: apps.appId,
      privateKeyPem: apps.privateKeyPem,
      installationId,
      tokens: () => apps.mintedTokens(),
      grantMoreThanAsked: (overGrant) => apps.grantMoreThanAsked(overGrant),
    },
    codespaces: world.codespaces,
    secretValue: (scope, name) => world.secrets.get(scope, name)?.plaintext,
    secretNames: (scope) => world.secrets.list(scope).map((secret) => secret.name),
    injectFault: (spec) => context.faults.add(spec),
    clearFaults: () => context.faults.clear(),
    requests: context.requests,
    requestsTo: (operationId) => context.requests.filter((request) => request.operationId === operationId),
    violations: context.violations,
    takeViolations: () => context.violations.splice(0),
    assertNoViolations: () => assertNoViolations(context.violations),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      assertNoViolations(context.violations);
    },
  };
}

function assertNoViolations(violations: readonly Violation[]): void {
  if (violations.length === 0) return;
  const lines = violations.map(
    (violation) =>
      `${violation.kind} ${violation.method} ${violation.path}${violation.operationId ? ` (${violation.operationId})` : ''}: ${violation.problems.join('; ')}`,
  );
  throw new Error(
    `github-fake recorded ${violations.length} violation(s) of GitHub's OpenAPI description:\n${lines.join('\n')}`,
  );
}
