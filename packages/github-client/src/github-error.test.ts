import { inspect } from 'node:util';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from './github-client.js';
import { gitHubStatusOf, isGitHubHttpError, toWardenError } from './github-error.js';

let fake: GitHubFake;
const LIST = 'codespaces/list-for-authenticated-user';

/** The error Octokit throws for `GET /user/codespaces` after the fault, retries and rate-limit waits off. */
async function failedRequest(): Promise<unknown> {
  const client = createGitHubClient({
    userAgent: 'warden-test',
    auth: fake.userToken,
    baseUrl: fake.url,
    retries: 0,
    maxRateLimitWaitMs: 0,
  });
  return client.request('GET /user/codespaces').then(
    () => expect.unreachable('the request should fail'),
    (error: unknown) => error,
  );
}

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

describe('toWardenError(error, action) for a real Octokit HttpError', () => {
  it.each([
    [401, 'ACCESS_DENIED', /^GitHub refused to list codespaces \(401 Bad credentials\): check the credentials$/],
    [403, 'ACCESS_DENIED', /^GitHub refused to list codespaces \(403 Resource not accessible by integration\)$/],
    [404, 'ACCESS_DENIED', /^GitHub refused to list codespaces \(404 Not Found\): missing, or hidden from these/],
    [422, 'BACKEND_UNAVAILABLE', /^GitHub failed to list codespaces \(422 Validation Failed\)$/],
    [500, 'BACKEND_UNAVAILABLE', /^GitHub failed to list codespaces \(500/],
    [502, 'BACKEND_UNAVAILABLE', /^GitHub failed to list codespaces \(502/],
  ] as const)('%i is %s with the status and GitHub message', async (status, code, message) => {
    fake.injectFault({ kind: 'status', status, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    expect(error).toMatchObject({ code, message });
    expect(error.cause).toEqual({ status });
    expect(gitHubStatusOf(error)).toBe(status);
  });

  it('a rate limit that outlasts the waits (403 "rate limit") is BACKEND_UNAVAILABLE, not ACCESS_DENIED', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 60, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /\(403 .*secondary rate limit/ });
    expect(gitHubStatusOf(error)).toBe(403);
  });

  it('keeps only { status } as cause: no token, header or request in the error', async () => {
    fake.injectFault({ kind: 'status', status: 401, operationId: LIST });
    const original = await failedRequest();
    const error = toWardenError(original, 'list codespaces');
    expect(error.cause).toEqual({ status: 401 });
    const rendered = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}${String(error)}`;
    expect(rendered).not.toContain(fake.userToken);
    expect(rendered).not.toMatch(/authorization/i);
  });

  it('a refused connection (Octokit reports status 500) is BACKEND_UNAVAILABLE', async () => {
    const baseUrl = fake.url;
    await fake.close();
    const client = createGitHubClient({ userAgent: 'warden-test', baseUrl, retries: 0 });
    const original = await client.request('GET /user/codespaces').catch((caught: unknown) => caught);
    expect(toWardenError(original, 'list codespaces')).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /^GitHub failed to list codespaces \(500/,
    });
    fake = await startGitHubFake();
  });
});

describe('toWardenError(error, action) for anything else', () => {
  it('an Error that is not an HttpError is BACKEND_UNAVAILABLE "could not be reached", without cause', () => {
    const error = toWardenError(new TypeError('fetch failed'), 'mint a token');
    expect(error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: 'GitHub could not be reached to mint a token: fetch failed',
    });
    expect(error.cause).toBeUndefined();
    expect(gitHubStatusOf(error)).toBeUndefined();
  });

  it('a thrown non-Error is described with String()', () => {
    expect(toWardenError('socket hang up', 'revoke a token').message).toBe(
      'GitHub could not be reached to revoke a token: socket hang up',
    );
  });

  it('an HttpError without a GitHub message carries the status alone', () => {
    expect(toWardenError({ name: 'HttpError', status: 503 }, 'create a codespace').message).toBe(
      'GitHub failed to create a codespace (503)',
    );
  });
});

describe('isGitHubHttpError(error, status?)', () => {
  it('is true for an Octokit HttpError, and with a status only when it matches', async () => {
    fake.injectFault({ kind: 'status', status: 404, operationId: LIST });
    const error = await failedRequest();
    expect(isGitHubHttpError(error)).toBe(true);
    expect(isGitHubHttpError(error, 404)).toBe(true);
    expect(isGitHubHttpError(error, 422)).toBe(false);
  });

  it.each([
    ['null', null],
    ['a plain Error', new Error('Not Found')],
    ['an object named HttpError without a numeric status', { name: 'HttpError', status: '404' }],
    ['an object with a status but another name', { name: 'Error', status: 404 }],
    ['a string', 'HttpError'],
  ])('is false for %s', (_label, value) => {
    expect(isGitHubHttpError(value)).toBe(false);
  });
});

describe('gitHubStatusOf(error)', () => {
  it('reads the status only from a numeric cause.status', () => {
    expect(gitHubStatusOf({ cause: { status: 422 } })).toBe(422);
    expect(gitHubStatusOf({ cause: { status: '422' } })).toBeUndefined();
    expect(gitHubStatusOf(null)).toBeUndefined();
    expect(gitHubStatusOf(new Error('x'))).toBeUndefined();
  });
});

// The attacker here is a GitHub API (or whatever answers in its place) that echoes the token it
// was sent into its error message, pads the message without end, or puts a forged log line in it.
describe("toWardenError(error, action) with GitHub's message as the attacker writes it", () => {
  it('redacts GitHub-token-shaped words, keeps the message on one line and at most 300 characters', async () => {
    const echoed = `ghs_${'A1b2C3d4'.repeat(4)}`;
    const message = `Bad credentials: ${echoed} github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n2026-01-01 INFO forged log line ${'x'.repeat(100_000)}`;
    fake.injectFault({ kind: 'status', status: 401, message, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).not.toContain(echoed);
    expect(error.message).not.toContain('github_pat_11ABCDEFG');
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toMatch(/[\n\r]/);
    expect(error.message.length).toBeLessThan(500);
  });

  it('redacts a token glued to the text before it and a legacy token of 40 bare hex digits', async () => {
    const glued = `ghp_${'Z9y8X7w6'.repeat(4)}`;
    const legacy = '0123456789abcdef0123456789ABCDEF01234567';
    const message = `Bad credentials for token${glued} (x-${glued}) and ${legacy}.`;
    fake.injectFault({ kind: 'status', status: 401, message, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    expect(error.message).not.toContain(glued.slice(4));
    expect(error.message).not.toContain(legacy);
    expect(error.message).toContain('Bad credentials for token[redacted] (x-[redacted]) and [redacted].');
  });

  it('redacts a legacy 40-hex token glued to a word on either side (token_…, a word ending in a hex letter, …s)', async () => {
    const legacy = 'c0ffee00'.repeat(5);
    const message = `Bad credentials for access_token_${legacy}, code${legacy} and ${legacy}s.`;
    fake.injectFault({ kind: 'status', status: 401, message, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    expect(error.message).not.toContain(legacy.slice(0, 20));
    expect(error.message).toContain('Bad credentials for access_token_[redacted], co[redacted] and [redacted]s.');
  });

  // Not only C0 and C1 controls break a line or disguise text: U+2028 and U+2029 are line breaks
  // to JavaScript, editors and many log viewers, and bidi overrides (U+202E) show a line reversed.
  it('turns Unicode line and paragraph separators and bidi controls into spaces too', async () => {
    const message = 'Bad credentials\u20282026-01-01 INFO forged\u2029line \u202edesrever\u2066x\u2069 \ufeffend';
    fake.injectFault({ kind: 'status', status: 401, message, operationId: LIST });
    const error = toWardenError(await failedRequest(), 'list codespaces');
    for (const character of ['\u2028', '\u2029', '\u202e', '\u2066', '\u2069', '\ufeff']) {
      expect(error.message).not.toContain(character);
    }
    expect(error.message).toContain('Bad credentials 2026-01-01 INFO forged line');
  });
});
