import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitHubClient, type GitHubClientConfig } from './github-client.js';
import { toWardenError } from './github-error.js';

let fake: GitHubFake;
const LIST = 'codespaces/list-for-authenticated-user';

/** A write (a secret's deletion, answered 404 by the fake) whose answer or error is returned, never thrown. */
function secretDeleter(client: ReturnType<typeof createClient>): (name: string) => Promise<unknown> {
  return (name) =>
    client
      .request('DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
        owner: fake.owner,
        repo: 'sandbox',
        secret_name: name,
      })
      .catch((error: unknown) => error);
}

function createClient(overrides: Partial<GitHubClientConfig> = {}) {
  return createGitHubClient({
    userAgent: 'warden-test',
    auth: fake.userToken,
    baseUrl: fake.url,
    retryDelayUnitMs: 5,
    ...overrides,
  });
}

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

describe('createGitHubClient(options)', () => {
  it('sends options.userAgent as the product in user-agent', () => {
    const client = createClient({ userAgent: 'warden-credentials-github' });
    expect(client.request.endpoint.DEFAULTS.headers['user-agent']).toMatch(/^warden-credentials-github /);
  });

  it('defaults baseUrl to https://api.github.com', () => {
    const client = createGitHubClient({ userAgent: 'warden-test' });
    expect(client.request.endpoint.DEFAULTS.baseUrl).toBe('https://api.github.com');
  });

  it('sends auth as the token: the fake accepts the request, and refuses it without auth', async () => {
    await expect(createClient().request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
    await expect(createClient({ auth: undefined }).request('GET /user/codespaces')).rejects.toMatchObject({
      name: 'HttpError',
      status: 401,
    });
  });

  it('retries a 5xx `retries` times, then surfaces the HttpError', async () => {
    fake.injectFault({ kind: 'status', status: 503, times: 10, operationId: LIST });
    await expect(createClient({ retries: 2 }).request('GET /user/codespaces')).rejects.toMatchObject({ status: 503 });
    expect(fake.requestsTo(LIST)).toHaveLength(3);
  });

  it('a 5xx that clears up within the retries succeeds', async () => {
    fake.injectFault({ kind: 'status', status: 502, times: 2, operationId: LIST });
    await expect(createClient().request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
    expect(fake.requestsTo(LIST).map((request) => request.status)).toEqual([502, 502, 200]);
  });

  it('sends a write with `request: { retries: 0 }` once when its answer is lost (GitHub acted), yet waits out a rate limit', async () => {
    const CREATE = 'codespaces/create-with-repo-for-authenticated-user';
    const create = (displayName: string) =>
      createClient({ minWriteIntervalMs: 0 }).request('POST /repos/{owner}/{repo}/codespaces', {
        owner: fake.owner,
        repo: 'sandbox',
        machine: 'basicLinux32gb',
        display_name: displayName,
        request: { retries: 0 },
      });
    for (const answer of ['drop', 502] as const) {
      fake.injectFault({ kind: 'lost-answer', answer, operationId: CREATE });
      await expect(create(`lost-${answer}`)).rejects.toMatchObject({ status: answer === 'drop' ? 500 : 502 });
    }
    expect(fake.requestsTo(CREATE)).toHaveLength(2);
    expect(fake.codespaces.list().map((codespace) => codespace.displayName)).toEqual(['lost-drop', 'lost-502']);
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 1, operationId: CREATE });
    await expect(create('limited')).resolves.toMatchObject({ status: 201 });
    expect(
      fake
        .requestsTo(CREATE)
        .slice(2)
        .map((request) => request.status),
    ).toEqual([403, 201]);
  });

  it('does not retry a 401', async () => {
    fake.injectFault({ kind: 'status', status: 401, operationId: LIST });
    await expect(createClient().request('GET /user/codespaces')).rejects.toMatchObject({ status: 401 });
    expect(fake.requestsTo(LIST)).toHaveLength(1);
  });

  it('waits out a secondary rate limit within maxRateLimitWaitMs (retry-after in delay units)', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 4, operationId: LIST });
    const started = performance.now();
    await expect(createClient().request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 5);
    expect(fake.requestsTo(LIST).map((request) => request.status)).toEqual([403, 200]);
  });

  it('waits out a primary rate limit within maxRateLimitWaitMs', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'primary', retryAfterSeconds: 1, operationId: LIST });
    await expect(createClient().request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
    expect(fake.requestsTo(LIST).map((request) => request.status)).toEqual([403, 200]);
  });

  it('does not wait for a rate limit longer than maxRateLimitWaitMs: one attempt, the 403 surfaces', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 3600, operationId: LIST });
    const client = createClient({ retryDelayUnitMs: 1000, maxRateLimitWaitMs: 10_000 });
    await expect(client.request('GET /user/codespaces')).rejects.toMatchObject({ status: 403 });
    expect(fake.requestsTo(LIST)).toHaveLength(1);
  });

  it('stops waiting out rate limits after `retries` of them', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 1, times: 10, operationId: LIST });
    await expect(createClient({ retries: 1 }).request('GET /user/codespaces')).rejects.toMatchObject({ status: 403 });
    expect(fake.requestsTo(LIST)).toHaveLength(2);
  });

  // The attacker here is a GitHub API that answers every call with 429: both plugins retried it,
  // each `retries` times around the other's, so `retries: 2` made 9 attempts and 10 made 121.
  it('stops after `retries` rate limits answered with 429: retries + 1 attempts, not (retries + 1)²', async () => {
    fake.injectFault({
      kind: 'rate-limit',
      limit: 'secondary',
      status: 429,
      retryAfterSeconds: 1,
      times: 100,
      operationId: LIST,
    });
    await expect(createClient({ retries: 2 }).request('GET /user/codespaces')).rejects.toMatchObject({ status: 429 });
    expect(fake.requestsTo(LIST)).toHaveLength(3);
  });

  it('spaces writes at least minWriteIntervalMs apart', async () => {
    const deleteSecret = secretDeleter(createClient({ minWriteIntervalMs: 150 }));
    const started = performance.now();
    const answers = await Promise.all([deleteSecret('FIRST'), deleteSecret('SECOND')]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(answers).toMatchObject([{ status: 404 }, { status: 404 }]);
  });

  // The attacker here is the wall clock: it steps back an hour between two writes (NTP, a VM
  // restored from a snapshot). Spacing writes by it held the second write for that hour.
  it.each([
    ['the default spacing', {}],
    ['minWriteIntervalMs', { minWriteIntervalMs: 150 }],
  ] as const)(
    'spaces writes by a monotonic clock (%s): a wall clock stepped back an hour holds nothing',
    async (_name, settings) => {
      const deleteSecret = secretDeleter(createClient(settings));
      expect(await deleteSecret('FIRST')).toMatchObject({ status: 404 });
      const steppedBack = Date.now() - 3_600_000;
      vi.spyOn(Date, 'now').mockImplementation(() => steppedBack);
      try {
        const hung = new Promise((resolve) => setTimeout(() => resolve('held'), 20_000).unref());
        expect(await Promise.race([deleteSecret('SECOND'), hung])).toMatchObject({ status: 404 });
      } finally {
        vi.restoreAllMocks();
      }
    },
    60_000,
  );

  // The attacker here is a GitHub API that stalls: it accepts the connection and never answers.
  it('gives up on a GitHub that never answers after requestTimeoutMs per attempt: a network-class error, not a hang', async () => {
    fake.injectFault({ kind: 'delay', delayMs: 120_000, times: 2, operationId: LIST });
    const client = createClient({ requestTimeoutMs: 300, retries: 1 });
    const error = await client.request('GET /user/codespaces').catch((caught: unknown) => caught);
    expect(toWardenError(error, 'list codespaces')).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fake.requestsTo(LIST)).toHaveLength(0); // both attempts were abandoned before the fake answered
  }, 60_000);

  // The attacker here is a GitHub API (or whatever answers in its place) that redirects a call to
  // another host, which would then answer as GitHub and receive what a 307 re-sends.
  it('follows no redirect: a call redirected to another host fails BACKEND_UNAVAILABLE and the other host hears nothing', async () => {
    const elsewhere = await startGitHubFake();
    try {
      fake.injectFault({ kind: 'redirect', status: 307, location: `${elsewhere.url}/user/codespaces`, times: 10 });
      const error = await createClient({ retries: 0 })
        .request('GET /user/codespaces')
        .catch((caught: unknown) => caught);
      expect(toWardenError(error, 'list codespaces')).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  // The attacker here is a GitHub API that answers with a body far larger than any of its answers.
  it('refuses an answer larger than maxResponseBytes: BACKEND_UNAVAILABLE, never a parsed giant', async () => {
    fake.injectFault({ kind: 'oversized', bytes: 2_000_000, times: 10, operationId: LIST });
    const outcome = await createClient({ retries: 0, maxResponseBytes: 1_000_000 })
      .request('GET /user/codespaces')
      .then(
        () => 'parsed',
        (caught: unknown) => toWardenError(caught, 'list codespaces'),
      );
    expect(outcome).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

// The attacker here chooses a value the client puts in a URL path (an owner, repository, secret or
// codespace name from a tenant's settings or a caller), or a whole URL (a `link` header a hostile
// server wrote): a URL resolves `.` and `..` away, GitHub decodes `%2F`, and an absolute URL goes
// wherever it points with the token.
describe('createGitHubClient(options): requests stay under baseUrl', () => {
  const DELETE_SECRET = 'DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}';

  /** The WardenError a refused request ends with, after toWardenError as a backend calls it. */
  async function refusal(request: Promise<unknown>) {
    return request.then(
      () => expect.unreachable('the request should be refused'),
      (caught: unknown) => toWardenError(caught, 'delete a secret'),
    );
  }

  it.each([
    ['a secret named ..', { owner: 'octo-org', repo: 'sandbox', secret_name: '..' }],
    ['a secret named .', { owner: 'octo-org', repo: 'sandbox', secret_name: '.' }],
    ['an owner and repository named ..', { owner: '..', repo: '..', secret_name: 'TOKEN' }],
    ['a repository holding ../', { owner: 'octo-org', repo: '../../user/codespaces', secret_name: 'TOKEN' }],
    [
      'a secret name holding a slash (sent as %2F, which GitHub decodes)',
      { owner: 'octo-org', repo: 'sandbox', secret_name: 'A/B' },
    ],
    ['a secret name holding a backslash', { owner: 'octo-org', repo: 'sandbox', secret_name: '..\\..' }],
  ])('refuses %s with INVALID_INPUT, and GitHub hears nothing', async (_label, parameters) => {
    const error = await refusal(createClient({ retries: 2 }).request(DELETE_SECRET, parameters));
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(fake.requests).toEqual([]);
  });

  it('never sends the token to another host: an absolute URL outside baseUrl is refused', async () => {
    const elsewhere = await startGitHubFake();
    try {
      const client = createClient();
      const error = await refusal(client.request(`GET ${elsewhere.url}/user/codespaces`));
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      const templated = await refusal(client.request('GET {+url}', { url: `${elsewhere.url}/user/codespaces` }));
      expect(templated).toMatchObject({ code: 'INVALID_INPUT' });
      expect(elsewhere.requests).toEqual([]);
      expect(fake.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('sends a request whose parameters are GitHub names, and absolute URLs under baseUrl', async () => {
    const client = createClient();
    await expect(client.request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
    await expect(client.request(`GET ${fake.url}/user/codespaces`)).resolves.toMatchObject({ status: 200 });
    await expect(
      client.request(DELETE_SECRET, { owner: fake.owner, repo: 'sandbox', secret_name: 'FIRST' }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

// The attacker here is one GitHub API (a tenant's GHES, or a GitHub that stalls) that never
// answers: Octokit's throttling plugin queues every client of the process in the same limiters
// (one token request at a time, ten calls at a time), so its stalled calls held every other
// client's, which talk to another GitHub with other credentials.
describe('createGitHubClient(options): clients do not queue behind each other', () => {
  it("a stalled GitHub holds no other client's token request", async () => {
    const stalled = createServer(() => {}); // accepts every request, answers none
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const abandon = new AbortController();
    try {
      const { port } = stalled.address() as AddressInfo;
      const victim = createClient({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 600_000, retries: 0 });
      const mint = 'POST /app/installations/{installation_id}/access_tokens';
      const held = victim.request(mint, { installation_id: 1, request: { signal: abandon.signal } }).catch(() => {});
      const calls = Array.from({ length: 10 }, () =>
        victim.request('GET /user/codespaces', { request: { signal: abandon.signal } }).catch(() => {}),
      );
      // The other client's token request is answered (the fake refuses a user token: 401) while
      // the stalled ones are still pending; before, it waited for them to time out.
      await expect(createClient().request(mint, { installation_id: fake.app.installationId })).rejects.toMatchObject({
        status: 401,
      });
      await expect(createClient().request('GET /user/codespaces')).resolves.toMatchObject({ status: 200 });
      abandon.abort();
      await Promise.all([held, ...calls]);
    } finally {
      abandon.abort();
      stalled.closeAllConnections();
      await new Promise((resolve) => stalled.close(resolve));
    }
  }, 20_000);
});
