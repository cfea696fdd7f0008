import { inspect } from 'node:util';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { type GitHubFake, type GitHubFakeConfig, startGitHubFake } from '@warden/github-fake';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GitHubAppTokenIssuerConfig } from './github-app-token-settings.js';
import { createAppTokenIssuerOnFake } from './test-support/issuers-on-fake.js';

let fake: GitHubFake;
let clock: number;

async function start(options: GitHubFakeConfig = {}): Promise<GitHubFake> {
  clock = Date.now();
  fake = await startGitHubFake({
    now: () => clock,
    ...options,
    installation: {
      permissions: { contents: 'write', issues: 'write', metadata: 'read' },
      repositories: ['sandbox'],
      ...options.installation,
    },
  });
  return fake;
}

const createIssuer = (overrides: Partial<GitHubAppTokenIssuerConfig> = {}) =>
  createAppTokenIssuerOnFake(fake, { now: () => clock, ...overrides });

const MINT = 'apps/create-installation-access-token';

afterEach(async () => {
  await fake.close();
});

describe('createGitHubAppTokenIssuer: issue(scope, ttl)', () => {
  it("mints an installation token narrowed to the scope's repositories and permissions", async () => {
    await start();
    const credential = await createIssuer().issue(['contents:read', 'repository:sandbox'], '15m');
    const [minted] = fake.app.tokens();
    expect(minted).toMatchObject({
      repositories: ['sandbox'],
      permissions: { contents: 'read', metadata: 'read' },
      revoked: false,
    });
    expect(credential.token).toBe(minted?.token);
    expect(credential.id).toMatch(/^ghapp_[0-9a-f-]{36}$/);
    expect(Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt)).toBe(15 * 60_000);
  });

  it("never checks the token's length: GitHub's 520-character tokens are returned whole", async () => {
    await start();
    const credential = await createIssuer({ repositories: ['sandbox'] }).issue(['issues:write'], '5m');
    expect(credential.token).toHaveLength(520);
  });

  it('narrows to the configured repositories when the scope names none, and refuses when neither does', async () => {
    await start();
    await createIssuer({ repositories: ['sandbox'] }).issue(['contents:read'], '5m');
    expect(fake.app.tokens()[0]?.repositories).toEqual(['sandbox']);
    await expect(createIssuer().issue(['contents:read'], '5m')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(fake.app.tokens()).toHaveLength(1);
  });

  it('refuses malformed scopes before calling GitHub: no permission, unknown permission, wrong level, missing level', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    for (const scope of [
      ['repository:sandbox'],
      ['repo:read'],
      ['workflows:read'],
      ['contents'],
      ['contents:read:extra'],
      [],
    ]) {
      await expect(issuer.issue(scope, '5m'), JSON.stringify(scope)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(fake.requests).toEqual([]);
  });

  it("accepts TTLs up to GitHub's one hour; refuses longer, zero and negative ones with INVALID_INPUT", async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    await expect(issuer.issue(['contents:read'], '1h')).resolves.toBeDefined();
    await expect(issuer.issue(['contents:read'], 60_000)).resolves.toBeDefined();
    for (const ttl of ['2h', '61m', 0, -1, '0s']) {
      await expect(issuer.issue(['contents:read'], ttl), String(ttl)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(fake.app.tokens()).toHaveLength(2);
  });

  it('refuses scopes the installation lacks (a permission, a higher level, a repository) with ACCESS_DENIED', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    await expect(issuer.issue(['administration:write'], '5m')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(issuer.issue(['metadata:write'], '5m')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(issuer.issue(['contents:read', 'repository:tools'], '5m')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    expect(fake.app.tokens()).toEqual([]);
  });

  it('fails closed when GitHub grants more than asked: the token is revoked and the call throws ACCESS_DENIED', async () => {
    await start({ installation: { alwaysGrant: { metadata: 'read', issues: 'write' } } });
    const error = await createIssuer({ repositories: ['sandbox'] })
      .issue(['contents:read'], '5m')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', message: /issues:write/ });
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain(fake.app.tokens()[0]?.token);
  });
});

describe('createGitHubAppTokenIssuer: revoke, isValid, sweep', () => {
  it('revoke(id) revokes the token on GitHub, is idempotent, and isValid turns false', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '10m');
    expect(await issuer.isValid(credential.id)).toBe(true);
    await issuer.revoke(credential.id);
    await issuer.revoke(credential.id);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
    expect(await issuer.isValid(credential.id)).toBe(false);
    expect(fake.requestsTo('apps/revoke-installation-access-token')).toHaveLength(1);
  });

  it('revoke(id) of an id it never issued throws CREDENTIAL_NOT_FOUND; isValid answers false', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    await expect(issuer.revoke('ghapp_00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_FOUND',
    });
    expect(await issuer.isValid('unknown')).toBe(false);
  });

  it("a TTL shorter than GitHub's hour: isValid turns false at expiry and sweep() revokes the token on GitHub", async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '2m');
    clock += 2 * 60_000;
    expect(await issuer.isValid(credential.id)).toBe(false);
    expect(fake.app.tokens()[0]?.revoked).toBe(false);
    expect(await issuer.sweep()).toEqual([credential.id]);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
    await expect(issuer.revoke(credential.id)).resolves.toBeUndefined();
  });

  it('a wall clock stepped back an hour (a fault is an attacker): a 2m token still ends after two minutes and sweep() revokes it', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    const monotonic = performance.now.bind(performance);
    let elapsed = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => monotonic() + elapsed);
    try {
      const credential = await issuer.issue(['contents:read'], '2m');
      clock -= 3_600_000;
      elapsed += 2 * 60_000;
      // On the wall clock alone it stayed valid, and unrevoked on GitHub, for another hour.
      expect(await issuer.isValid(credential.id)).toBe(false);
      expect(await issuer.sweep()).toEqual([credential.id]);
      expect(fake.app.tokens()[0]?.revoked).toBe(true);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a token GitHub already considers revoked (401 on revoke) counts as revoked', async () => {
    await start();
    const issuer = createIssuer({ repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '10m');
    fake.injectFault({ kind: 'status', status: 401, operationId: 'apps/revoke-installation-access-token' });
    await issuer.revoke(credential.id);
    expect(await issuer.isValid(credential.id)).toBe(false);
  });
});

describe('createGitHubAppTokenIssuer: faults and secrecy', () => {
  it('401 on minting (a JWT GitHub refuses): ACCESS_DENIED, not retried', async () => {
    await start();
    fake.injectFault({ kind: 'status', status: 401, operationId: MINT });
    await expect(createIssuer({ repositories: ['sandbox'] }).issue(['contents:read'], '5m')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('403 secondary rate limit with retry-after, then 5xx: the rate limit is waited out, the 5xx (GitHub may have minted) is not resent', async () => {
    await start();
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 2, operationId: MINT });
    fake.injectFault({ kind: 'status', status: 500, operationId: MINT });
    await expect(createIssuer({ repositories: ['sandbox'] }).issue(['contents:read'], '5m')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /500.*may have minted a token/,
    });
    expect(fake.requests.map((request) => request.status)).toEqual([403, 500]);
  });

  it('a revoke that keeps failing (5xx) throws BACKEND_UNAVAILABLE without the token, and can be retried', async () => {
    await start();
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const issuer = createIssuer({ repositories: ['sandbox'], retries: 1, revokeAttempts: 1, events: emitter });
    const credential = await issuer.issue(['contents:read'], '5m');
    fake.injectFault({ kind: 'status', status: 503, times: 2, operationId: 'apps/revoke-installation-access-token' });
    const error = await issuer.revoke(credential.id).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(`${inspect(error, { depth: 10 })}${JSON.stringify(error)}`).not.toContain(credential.token);
    expect(await issuer.isValid(credential.id)).toBe(true);
    await issuer.revoke(credential.id);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
    expect(JSON.stringify(events)).not.toContain(credential.token);
    expect(events.map((event) => event.type)).toEqual(['credential_issued', 'credential_revoked']);
  });

  it('refuses a private key that is not an RSA PEM without echoing it', async () => {
    await start();
    const notAKey = 'not-a-key-but-a-secret-looking-string';
    let thrown: unknown;
    try {
      createIssuer({ privateKey: notAKey });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT', message: /privateKey/ });
    expect(inspect(thrown, { depth: 10 })).not.toContain(notAKey);
  });
});

describe('createGitHubAppTokenIssuer(config): settings', () => {
  // A developer's typo is the attacker here: a misspelt setting was ignored silently.
  it('refuses an unknown setting (a misspelt repositories) with INVALID_INPUT naming it', async () => {
    await start();
    const create = createIssuer as (overrides: object) => unknown;
    expect(() => create({ repositorie: ['sandbox'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'repositorie' })] }),
    );
    expect(() => createIssuer({ repositories: ['sandbox'], maxResponseBytes: 4096 })).not.toThrow();
  });
});
