import { inspect } from 'node:util';
import { createApprovalWorkflow, createMemoryApprovalStore } from '@warden/approvals';
import { createRedisApprovalStore, createRedisRateLimiter } from '@warden/approvals-redis';
import {
  createCapabilityAlgebra,
  createSecurityEngine,
  createSecurityEventEmitter,
  type SecurityEvent,
} from '@warden/core';
import { createGitHubAppTokenIssuer, createGitHubJITCredentialIssuer } from '@warden/credentials-github';
import { createGateway, createMemoryRateLimiter } from '@warden/gateway';
import { createGitHubClient, toWardenError } from '@warden/github-client';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { createGhSshTransport, createGitHubSandbox } from '@warden/sandbox-codespaces';
import { createDockerSandbox } from '@warden/sandbox-docker';
import { createEnvSecretStore } from '@warden/secrets-env';
import {
  createMemorySecretStore,
  createStubApprovalWorkflow,
  createStubJITCredentialIssuer,
  createStubKillSwitch,
  createStubSandbox,
} from '@warden/stubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The attacker reads logs, error reports and serialised objects: a host that logs its wiring at
// start-up, an error reporter that serialises whatever was thrown, a test that prints a fixture.
// What must hold: no secret given to a factory (and no credential a factory mints) appears in
// `util.inspect` (any depth, hidden properties shown), `JSON.stringify`, `String()` or a
// structured clone of anything built, returned, thrown or emitted, nor in an error's message or
// causes.

/** Recognisable values: if one shows up anywhere below, something printed a secret. */
const SECRET = {
  redisPassword: 'rEdIsPaSsWoRd-9f27c1',
  envValue: 'EnvSecretValue-3b8e44',
  storeValue: 'MemoryStoreValue-51d0aa',
  githubToken: 'ghp_RecognisableTokenNotKnownToGitHub42',
  payloadToken: 'PayloadToken-77ae10',
  eventToken: 'EventToken-c0ffee',
  dockerEnv: 'DockerEnvSecret-a1b2c3',
  closureToken: 'ClosureToken-e5f6a7',
} as const;

/** Every string form an attacker might get of `value`. */
function stringForms(value: unknown): string[] {
  const forms = [inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  const attempt = (form: () => unknown) => {
    try {
      forms.push(String(form()));
    } catch (error) {
      forms.push(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    }
  };
  attempt(() => JSON.stringify(value));
  attempt(() => String(value));
  attempt(() => inspect(structuredClone(value), { depth: Number.POSITIVE_INFINITY, showHidden: true }));
  if (value instanceof Error) {
    let current: unknown = value;
    for (let depth = 0; current instanceof Error && depth < 10; depth++) {
      forms.push(current.message, String(current.stack));
      current = current.cause;
    }
    if (value instanceof AggregateError) for (const inner of value.errors) forms.push(...stringForms(inner));
  }
  return forms;
}

/** Asserts that none of `secrets` appears in any string form of any of `things`. */
function expectNoSecret(things: Record<string, unknown>, secrets: readonly string[]): void {
  for (const [label, thing] of Object.entries(things)) {
    for (const form of stringForms(thing)) {
      for (const secret of secrets) {
        if (form.includes(secret))
          expect.fail(`${label} shows a secret (${secret.slice(0, 6)}…): ${form.slice(0, 400)}`);
      }
    }
  }
}

/** What a call resolved or rejected with. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    return error;
  }
}

function eventCollector(): { events: SecurityEvent[]; emitter: ReturnType<typeof createSecurityEventEmitter> } {
  const events: SecurityEvent[] = [];
  const emitter = createSecurityEventEmitter();
  emitter.on('security', (event) => events.push(event));
  return { events, emitter };
}

describe('core, stubs, approvals and gateway', () => {
  it('createSecurityEventEmitter(): secret-looking fields are redacted before subscribers and the audit sink see them', async () => {
    const written: unknown[] = [];
    const emitter = createSecurityEventEmitter({
      auditSink: { write: async (event: unknown) => void written.push(event) },
    });
    const seen: unknown[] = [];
    emitter.on('security', (event) => seen.push(event));
    emitter.emit({
      type: 'access_denied',
      details: { token: SECRET.eventToken, nested: { apiKey: SECRET.eventToken, password: SECRET.eventToken } },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(1);
    expectNoSecret({ emitter, seen, written }, [SECRET.eventToken]);
  });

  it('createSecurityEngine(config) and createCapabilityAlgebra(): built and used, nothing secret shown', async () => {
    const { events, emitter } = eventCollector();
    const engine = createSecurityEngine({ events: emitter });
    const algebra = createCapabilityAlgebra();
    expectNoSecret({ engine, algebra, events }, Object.values(SECRET));
  });

  it('createMemorySecretStore({ initial }): the store, its calls and its errors never show a value', async () => {
    const store = createMemorySecretStore({ initial: { 'api-key': SECRET.storeValue } });
    const results = [
      await outcome(() => store.set('db-password', SECRET.storeValue)),
      await outcome(() => store.list()),
      await outcome(() => store.set(SECRET.storeValue, 'db-password')),
      await outcome(() => store.set('db-password', `${SECRET.storeValue}\0`)),
    ];
    expect(await store.get('api-key')).toBe(SECRET.storeValue);
    expectNoSecret({ store, calls: store.calls, results }, [SECRET.storeValue]);
  });

  it('createStubJITCredentialIssuer(): the issuer and the credentials it returns never show a token', async () => {
    const issuer = createStubJITCredentialIssuer();
    const credential = await issuer.issue(['repo:read'], '5m');
    const results = [
      await outcome(() => issuer.revoke(credential.token)),
      await outcome(() => issuer.isValid(credential.id)),
    ];
    expect(typeof credential.token).toBe('string');
    expectNoSecret({ issuer, credential, calls: issuer.calls, results }, [credential.token]);
  });

  it('createStubSandbox(), createStubKillSwitch(), createStubApprovalWorkflow(): nothing secret shown', async () => {
    const sandbox = createStubSandbox();
    const status = await sandbox.create({ env: { PLAIN: 'x' } });
    const killSwitch = createStubKillSwitch();
    const workflow = createStubApprovalWorkflow();
    expectNoSecret({ sandbox, status, killSwitch, workflow }, Object.values(SECRET));
  });

  it('createApprovalWorkflow(config): a secret in a payload never reaches its events', async () => {
    const { events, emitter } = eventCollector();
    const workflow = createApprovalWorkflow({ store: createMemoryApprovalStore(), events: emitter });
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: { token: SECRET.payloadToken, password: SECRET.payloadToken },
    });
    await workflow.approve(id, 'bob');
    expect(events.length).toBeGreaterThan(0);
    expectNoSecret({ events, workflow }, [SECRET.payloadToken]);
  });

  it('createGateway(config) and createMemoryRateLimiter(): the gateway shows no secret its inject closure holds', async () => {
    const inject = async () => `reply with ${SECRET.closureToken}`.length.toString();
    const gateway = createGateway({ engine: createSecurityEngine(), inject, rateLimiter: createMemoryRateLimiter() });
    expectNoSecret({ gateway }, [SECRET.closureToken]);
  });
});

describe('secrets-env', () => {
  it('createEnvSecretStore(config): the store, its description and its errors never show a value', async () => {
    const env: Record<string, string> = { MYAPP_API_KEY: SECRET.envValue, API_KEY: SECRET.envValue };
    const stores = {
      readOnly: createEnvSecretStore({ env }),
      prefixed: createEnvSecretStore({ prefix: 'MYAPP_', env }),
      named: createEnvSecretStore({ writableNames: ['api-key'], env }),
    };
    const results = [];
    for (const store of Object.values(stores)) {
      results.push(
        await outcome(() => store.set('db-password', SECRET.envValue)),
        await outcome(() => store.set(SECRET.envValue, 'api-key')),
        await outcome(() => store.set('api-key', `${SECRET.envValue}\0`)),
        await outcome(() => store.list()),
      );
    }
    expect(await stores.prefixed.get('api-key')).toBe(SECRET.envValue);
    expectNoSecret({ ...stores, results }, [SECRET.envValue]);
  });
});

describe('Redis packages (lazy: no Redis needed)', () => {
  const url = `redis://:${SECRET.redisPassword}@127.0.0.1:1/0`;

  it('createRedisKillSwitch({ url }): built, used against an unreachable Redis, closed — the password never shows', async () => {
    const errors: unknown[] = [];
    const { events, emitter } = eventCollector();
    const killSwitch = createRedisKillSwitch({
      url,
      commandTimeoutMs: 100,
      events: emitter,
      onError: (error) => errors.push(error),
    });
    const results = [
      await outcome(() => killSwitch.activate('drill', { actor: 'alice' })),
      await outcome(() => killSwitch.isActive()),
    ];
    await killSwitch.close();
    expectNoSecret({ killSwitch, results, errors, events }, [SECRET.redisPassword]);
  });

  it('createRedisApprovalStore({ url }) and createRedisRateLimiter({ url }): the password never shows', async () => {
    const store = createRedisApprovalStore({ url, commandTimeoutMs: 100 });
    const limiter = createRedisRateLimiter({ url, commandTimeoutMs: 100 });
    const results = [
      await outcome(() => store.get('missing')),
      await outcome(() => limiter.consume('key', { limit: 1, windowMs: 1000 })),
    ];
    await store.close();
    await limiter.close();
    expectNoSecret({ store, limiter, results }, [SECRET.redisPassword]);
  });
});

describe('sandbox-docker (no engine needed)', () => {
  it('createDockerSandbox(config) with a secret in its default env: the sandbox and its errors never show it', async () => {
    const sandbox = createDockerSandbox({
      dockerHost: 'tcp://127.0.0.1:1',
      defaults: { env: { WARDEN_DEPLOY_SETTING: SECRET.dockerEnv } },
      sweepOnStart: false,
    });
    const results = [await outcome(() => sandbox.create()), await outcome(() => sandbox.list())];
    await outcome(() => sandbox.close());
    expectNoSecret({ sandbox, results }, [SECRET.dockerEnv]);
  });
});

describe('GitHub packages on the GitHub fake', () => {
  let fake: GitHubFake;
  const fast = { retryDelayUnitMs: 1, minWriteIntervalMs: 0, retries: 0, revokeBackoffMs: 0 } as const;

  beforeAll(async () => {
    fake = await startGitHubFake({ installation: { repositories: ['sandbox'] } });
  });

  afterAll(async () => {
    await fake.close();
  });

  /** A line of the app's private key that only the key contains. */
  const keyLine = () => fake.app.privateKeyPem.split('\n')[5] as string;

  it('createGitHubJITCredentialIssuer(config): the issuer, its credentials, events and errors never show the token', async () => {
    const { events, emitter } = eventCollector();
    const { revokeBackoffMs: _unused, ...client } = fast;
    const issuer = createGitHubJITCredentialIssuer({
      token: fake.userToken,
      baseUrl: fake.url,
      owner: fake.owner,
      repo: 'sandbox',
      events: emitter,
      ...client,
    });
    const credential = await issuer.issue(['deploy'], '5m');
    const refused = createGitHubJITCredentialIssuer({
      token: SECRET.githubToken,
      baseUrl: fake.url,
      owner: fake.owner,
      repo: 'sandbox',
      ...client,
    });
    const results = [
      await outcome(() => issuer.isValid(credential.id)),
      await outcome(() => issuer.revoke(credential.token)),
      await outcome(() => issuer.revoke(credential.id)),
      await outcome(() => issuer.sweep()),
      await outcome(() => refused.issue(['deploy'], '5m')),
      await outcome(() => refused.sweep()),
    ];
    expect(credential.token).toMatch(/^wjit_/);
    expectNoSecret({ issuer, refused, credential, spread: { ...credential }, results, events }, [
      fake.userToken,
      SECRET.githubToken,
      credential.token,
    ]);
  });

  it('createGitHubAppTokenIssuer(config): the issuer, its credentials, events and errors never show the key or a token', async () => {
    const { events, emitter } = eventCollector();
    const issuer = createGitHubAppTokenIssuer({
      appId: fake.app.appId,
      privateKey: fake.app.privateKeyPem,
      installationId: fake.app.installationId,
      repositories: ['sandbox'],
      baseUrl: fake.url,
      events: emitter,
      ...fast,
    });
    const credential = await issuer.issue(['contents:read'], '5m');
    fake.app.grantMoreThanAsked({ permissions: { issues: 'write' } });
    const results = [
      await outcome(() => issuer.issue(['contents:read'], '5m')),
      await outcome(() => issuer.isValid(credential.token)),
      await outcome(() => issuer.revoke(credential.token)),
      await outcome(() => issuer.revoke(credential.id)),
      await outcome(() => issuer.sweep()),
      await outcome(async () =>
        createGitHubAppTokenIssuer({ appId: 1, privateKey: `${keyLine()}-not-a-key`, installationId: 1 }),
      ),
    ];
    const minted = fake.app.tokens().map((token) => token.token);
    expect(minted.length).toBeGreaterThanOrEqual(2);
    expectNoSecret({ issuer, credential, spread: { ...credential }, results, events }, [keyLine(), ...minted]);
  });

  it('createGitHubSandbox(config) and createGhSshTransport(config): the token never shows', async () => {
    const { events, emitter } = eventCollector();
    const transport = createGhSshTransport({ token: SECRET.githubToken, ghPath: '/nonexistent/gh' });
    const sandbox = createGitHubSandbox({
      token: SECRET.githubToken,
      baseUrl: fake.url,
      owner: fake.owner,
      repo: 'sandbox',
      events: emitter,
      transport,
      ...{ retryDelayUnitMs: 1, minWriteIntervalMs: 0, retries: 0 },
    });
    const working = createGitHubSandbox({
      token: fake.userToken,
      baseUrl: fake.url,
      owner: fake.owner,
      repo: 'sandbox',
      transport,
      pollIntervalMs: 5,
      ...{ retryDelayUnitMs: 1, minWriteIntervalMs: 0, retries: 0 },
    });
    const created = (await working.create({ networkPolicy: 'full' })) as { id: string };
    const results = [
      created,
      await outcome(() => sandbox.create({ networkPolicy: 'full' })),
      await outcome(() => sandbox.list()),
      await outcome(() => working.execute(created.id, ['echo', 'hi'])),
      await outcome(() =>
        transport.execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 1000, maxOutputBytes: 100 }),
      ),
      await outcome(() => working.destroy(created.id)),
    ];
    expectNoSecret({ transport, sandbox, working, results, events }, [SECRET.githubToken, fake.userToken]);
  });

  it('createGitHubClient(config): the client and what it throws never show the token', async () => {
    const client = createGitHubClient({
      auth: SECRET.githubToken,
      baseUrl: fake.url,
      userAgent: 'warden-test',
      retries: 0,
    });
    const raw = await outcome(() => client.request('GET /user/codespaces'));
    expectNoSecret({ client, raw, mapped: toWardenError(raw, 'list codespaces') }, [SECRET.githubToken]);
  });
});
