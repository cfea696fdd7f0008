import { inspect } from 'node:util';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GitHubJITConfig } from './github-jit-settings.js';
import { isValidGitHubSecretName } from './secret-name.js';
import { createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

let fake: GitHubFake;
let clock: number;
const repository = () => ({ owner: fake.owner, repo: 'sandbox' });

const createIssuer = (overrides: Partial<GitHubJITConfig> = {}) =>
  createJITIssuerOnFake(fake, { now: () => clock, ...overrides });

beforeEach(async () => {
  clock = Date.parse('2026-06-01T12:00:00Z');
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

describe('issue(scope, ttl)', () => {
  it("stores the token encrypted (a sealed box, not the reference code's hash): the server decrypts it to the same value", async () => {
    const credential = await createIssuer().issue(['deploy:staging'], '15m');
    expect(isValidGitHubSecretName(credential.id)).toBe(true);
    expect(credential.id).toMatch(/^WARDEN_JIT_\d+_[0-9A-F]{20}$/);
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
    expect(credential.token).toMatch(/^wjit_[A-Za-z0-9_-]{43}$/);
    expect(credential).toMatchObject({
      scope: ['deploy:staging'],
      issuedAt: '2026-06-01T12:00:00.000Z',
      expiresAt: '2026-06-01T12:15:00.000Z',
    });
  });

  it('issues a different crypto-random token each time', async () => {
    const issuer = createIssuer();
    const tokens = new Set<string>();
    for (let index = 0; index < 5; index++) tokens.add((await issuer.issue(['a'], 60_000)).token);
    expect(tokens.size).toBe(5);
  });

  it('accepts "1h" and milliseconds; refuses zero, negative, fractional, malformed and absurd TTLs with INVALID_INPUT and stores nothing', async () => {
    const issuer = createIssuer();
    expect((await issuer.issue(['a'], '1h')).expiresAt).toBe('2026-06-01T13:00:00.000Z');
    expect((await issuer.issue(['a'], 90_000)).expiresAt).toBe('2026-06-01T12:01:30.000Z');
    const before = fake.requests.length;
    for (const ttl of [0, -1000, 1.5, '0s', '-5m', 'soon', '15 m', '2d', Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(issuer.issue(['a'], ttl), String(ttl)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(fake.requests.length).toBe(before);
    expect(fake.secretNames(repository())).toHaveLength(2);
  });

  it('refuses an empty scope or a scope entry with spaces (INVALID_INPUT)', async () => {
    const issuer = createIssuer();
    await expect(issuer.issue([], '1m')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(issuer.issue(['two words'], '1m')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('stores environment secrets under the environment when `environment` is set', async () => {
    const credential = await createIssuer({ environment: 'ci' }).issue(['a'], '5m');
    expect(fake.secretValue({ ...repository(), environment: 'ci' }, credential.id)).toBe(credential.token);
    expect(fake.secretNames(repository())).toEqual([]);
  });
});

describe('revoke(id) and isValid(id)', () => {
  it('revoke deletes the secret, is idempotent, and isValid turns false', async () => {
    const issuer = createIssuer();
    const credential = await issuer.issue(['a'], '10m');
    expect(await issuer.isValid(credential.id)).toBe(true);
    await issuer.revoke(credential.id);
    await issuer.revoke(credential.id);
    expect(fake.secretNames(repository())).toEqual([]);
    expect(await issuer.isValid(credential.id)).toBe(false);
  });

  it('revoke(token) is refused with INVALID_INPUT without repeating the token', async () => {
    const issuer = createIssuer();
    const credential = await issuer.issue(['a'], '10m');
    const error = await issuer.revoke(credential.token).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(`${inspect(error, { depth: 10 })}${JSON.stringify(error)}`).not.toContain(credential.token);
    expect(await issuer.isValid(credential.id)).toBe(true);
  });

  it('revoke of an id it never issued throws CREDENTIAL_NOT_FOUND', async () => {
    const issuer = createIssuer();
    await expect(issuer.revoke('not-a-credential')).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    await expect(issuer.revoke('WARDEN_JIT_1780000000_0123456789ABCDEF0123')).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_FOUND',
    });
  });

  it('isValid is false once the TTL has passed, even before the sweeper deleted the secret', async () => {
    const issuer = createIssuer();
    const credential = await issuer.issue(['a'], '1m');
    clock += 60_000;
    expect(await issuer.isValid(credential.id)).toBe(false);
    expect(fake.secretNames(repository())).toEqual([credential.id]);
  });

  it('isValid is false for unknown ids and for a secret deleted behind its back', async () => {
    const issuer = createIssuer();
    expect(await issuer.isValid('unknown')).toBe(false);
    const credential = await issuer.issue(['a'], '1m');
    await createIssuer().revoke(credential.id);
    expect(await issuer.isValid(credential.id)).toBe(false);
  });

  it('a new process (another issuer) can check and revoke a credential the first one issued', async () => {
    const credential = await createIssuer().issue(['a'], '10m');
    const restarted = createIssuer();
    expect(await restarted.isValid(credential.id)).toBe(true);
    await restarted.revoke(credential.id);
    expect(await restarted.isValid(credential.id)).toBe(false);
  });
});

describe('sweep()', () => {
  it('deletes expired credential secrets, including those an earlier process left, and nothing else', async () => {
    const earlier = createIssuer();
    const expired = await earlier.issue(['a'], '1m');
    const live = await earlier.issue(['a'], '1h');
    const foreign = await createIssuer({ secretPrefix: 'OTHER_JIT_' }).issue(['a'], '1m');
    clock += 2 * 60_000;
    const deleted = await createIssuer().sweep();
    expect(deleted).toEqual([expired.id]);
    expect(fake.secretNames(repository()).sort()).toEqual([foreign.id, live.id].sort());
    await expect(earlier.revoke(expired.id)).resolves.toBeUndefined();
  });

  it('a wall clock stepped back an hour (a fault is an attacker): the issuing process still ends a 1m credential after a minute', async () => {
    const issuer = createIssuer();
    const monotonic = performance.now.bind(performance);
    let elapsed = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => monotonic() + elapsed);
    try {
      const credential = await issuer.issue(['a'], '1m');
      clock -= 3_600_000;
      elapsed += 60_000;
      // On the wall clock alone the secret stayed readable by workflows, and valid, for another hour.
      expect(await issuer.isValid(credential.id)).toBe(false);
      expect(await issuer.sweep()).toEqual([credential.id]);
      expect(fake.secretNames(repository())).toEqual([]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("with sweepIntervalMs, sweeps in the background on an unref'd timer until close()", async () => {
    const issuer = createIssuer({ sweepIntervalMs: 20 });
    const credential = await issuer.issue(['a'], '1m');
    clock += 61_000;
    await vi.waitFor(() => expect(fake.secretNames(repository())).not.toContain(credential.id), { timeout: 90_000 });
    await issuer.close();
  });
});

describe('secrecy', () => {
  it('never puts a token into an event; events name the credential by id', async () => {
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const issuer = createIssuer({ events: emitter });
    const credential = await issuer.issue(['a'], '1m', { subject: 'agent-7' });
    await issuer.revoke(credential.id);
    expect(events.map((event) => event.type)).toEqual(['credential_issued', 'credential_revoked']);
    expect(events[0]?.details).toMatchObject({ id: credential.id, subject: 'agent-7', repository: 'octo-org/sandbox' });
    expect(JSON.stringify(events)).not.toContain(credential.token);
  });

  it('errors carry neither the configured token nor the request (headers, sealed body)', async () => {
    fake.injectFault({ kind: 'status', status: 500, times: 10 });
    const error = await createIssuer({ retries: 1 })
      .issue(['a'], '1m')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const printed = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}`;
    expect(printed).not.toContain(fake.userToken);
    expect(printed).not.toMatch(/encrypted_value|authorization/i);
  });
});

describe('settings', () => {
  it('refuses missing or malformed settings with INVALID_INPUT naming the field', () => {
    expect(() => createIssuer({ owner: 'bad owner' })).toThrow(/owner/);
    expect(() => createIssuer({ secretPrefix: 'lower_' })).toThrow(/secretPrefix/);
    expect(() => createIssuer({ secretPrefix: 'GITHUB_X_' })).toThrow(/secretPrefix/);
    expect(() => createIssuer({ maxTtl: 0 })).toThrow(/maxTtl/);
    expect(() => createIssuer({ token: undefined })).toThrow(/octokit/);
  });

  // A developer's typo is the attacker here: a misspelt limit was ignored, so the wider default
  // held (TTLs up to a day instead of 15 minutes; the prefix other deployments share).
  it('refuses an unknown setting (a misspelt maxTtl or secretPrefix) with INVALID_INPUT naming it', async () => {
    const create = createIssuer as (overrides: object) => unknown;
    expect(() => create({ maxTTL: '15m' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'maxTTL' })] }),
    );
    expect(() => create({ secretPrefx: 'TEAM_A_' })).toThrow(/secretPrefx/);
    expect(() => createIssuer({ maxTtl: '15m', requestTimeoutMs: 5000, revokeAttempts: 2 })).not.toThrow();
  });

  // The attacker here supplies the repository or environment (a tenant's setting): `.` and `..`
  // are path segments a URL resolves away, so `repo: '..'` would write into another repository.
  it('refuses ".", ".." as owner, repo or environment (INVALID_INPUT), so no call reaches another path', () => {
    for (const name of ['.', '..']) {
      expect(() => createIssuer({ repo: name })).toThrow(/repo/);
      expect(() => createIssuer({ owner: name })).toThrow(/owner/);
      expect(() => createIssuer({ environment: name })).toThrow(/environment/);
    }
  });
});
