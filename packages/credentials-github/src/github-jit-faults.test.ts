import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubJITConfig } from './github-jit-settings.js';
import { createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

let fake: GitHubFake;
const PUT = 'actions/create-or-update-repo-secret';
const repository = () => ({ owner: fake.owner, repo: 'sandbox' });

const createIssuer = (overrides: Partial<GitHubJITConfig> = {}) => createJITIssuerOnFake(fake, overrides);

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

describe('GitHub JIT issuer under faults', () => {
  it('401 Bad credentials: ACCESS_DENIED, not retried, nothing stored', async () => {
    fake.injectFault({ kind: 'status', status: 401, operationId: PUT });
    await expect(createIssuer().issue(['a'], '1m')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: /401 Bad credentials/,
    });
    expect(fake.requestsTo(PUT)).toHaveLength(1);
    expect(fake.secretNames(repository())).toEqual([]);
  });

  it('403 primary rate limit (x-ratelimit-remaining 0, reset): waits for the reset and succeeds', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'primary', retryAfterSeconds: 1, operationId: PUT });
    const credential = await createIssuer().issue(['a'], '1m');
    expect(fake.requestsTo(PUT)).toHaveLength(2);
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
  });

  it('403 secondary rate limit with retry-after: waits retry-after and succeeds', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 3, operationId: PUT });
    const started = performance.now();
    await createIssuer().issue(['a'], '1m');
    expect(fake.requestsTo(PUT)).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 5);
  });

  it('a rate limit longer than maxRateLimitWaitMs fails fast with BACKEND_UNAVAILABLE', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 3600, operationId: PUT });
    const issuer = createIssuer({ retryDelayUnitMs: 1000, maxRateLimitWaitMs: 10_000 });
    await expect(issuer.issue(['a'], '1m')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /secondary rate limit/,
    });
    expect(fake.requestsTo(PUT)).toHaveLength(1);
  });

  it('5xx: retried with backoff and then succeeds', async () => {
    fake.injectFault({ kind: 'status', status: 502, times: 2, operationId: PUT });
    const credential = await createIssuer().issue(['a'], '1m');
    expect(fake.requestsTo(PUT)).toHaveLength(3);
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
  });

  it('5xx that outlasts the retries: BACKEND_UNAVAILABLE after retries + 1 attempts', async () => {
    fake.injectFault({ kind: 'status', status: 503, times: 10, operationId: PUT });
    await expect(createIssuer({ retries: 2 }).issue(['a'], '1m')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(fake.requestsTo(PUT)).toHaveLength(3);
  });

  it('422 once (a rotated key): refetches the public key, seals again and succeeds', async () => {
    const issuer = createIssuer();
    await issuer.issue(['a'], '1m');
    fake.injectFault({ kind: 'status', status: 422, operationId: PUT });
    const credential = await issuer.issue(['a'], '1m');
    expect(fake.requestsTo('actions/get-repo-public-key')).toHaveLength(2);
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
  });

  it('422 that persists: BACKEND_UNAVAILABLE and nothing stored', async () => {
    fake.injectFault({ kind: 'status', status: 422, times: 5, operationId: PUT });
    await expect(createIssuer().issue(['a'], '1m')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /422/,
    });
    expect(fake.secretNames(repository())).toEqual([]);
  });

  it('404 on revoke of a credential this process issued is treated as already gone', async () => {
    const issuer = createIssuer();
    const credential = await issuer.issue(['a'], '1m');
    fake.injectFault({ kind: 'status', status: 404, operationId: 'actions/delete-repo-secret' });
    await expect(issuer.revoke(credential.id)).resolves.toBeUndefined();
  });

  it('a slow response is waited for', async () => {
    fake.injectFault({ kind: 'delay', delayMs: 200, operationId: PUT });
    const credential = await createIssuer().issue(['a'], '1m');
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
  });
});
