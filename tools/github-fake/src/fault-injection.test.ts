import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from './github-fake.js';
import { callFake } from './test-support/http.js';

let fake: GitHubFake;

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

describe('injectFault(spec)', () => {
  it('answers the next matching request with the status, then behaves normally again', async () => {
    const fault = fake.injectFault({
      kind: 'status',
      status: 503,
      operationId: 'codespaces/list-for-authenticated-user',
    });
    expect((await callFake(fake, 'GET', '/repos/octo-org/sandbox/actions/secrets')).status).toBe(200);
    expect((await callFake(fake, 'GET', '/user/codespaces')).status).toBe(503);
    expect((await callFake(fake, 'GET', '/user/codespaces')).status).toBe(200);
    expect(fault.hits).toBe(1);
  });

  it('requestsTo(operationId) lists the requests for that operation, faulted ones included, in order', async () => {
    fake.injectFault({ kind: 'status', status: 502, operationId: 'codespaces/list-for-authenticated-user' });
    await callFake(fake, 'GET', '/user/codespaces');
    await callFake(fake, 'GET', '/repos/octo-org/sandbox/actions/secrets');
    await callFake(fake, 'GET', '/user/codespaces');
    expect(fake.requestsTo('codespaces/list-for-authenticated-user')).toEqual([
      { method: 'GET', path: '/user/codespaces', operationId: 'codespaces/list-for-authenticated-user', status: 502 },
      { method: 'GET', path: '/user/codespaces', operationId: 'codespaces/list-for-authenticated-user', status: 200 },
    ]);
    expect(fake.requestsTo('actions/delete-repo-secret')).toEqual([]);
  });

  it('with `path` or `token`, hits only requests for that path or authenticated with that token', async () => {
    fake.injectFault({ kind: 'status', status: 503, path: '/repos/octo-org/tools/actions/secrets', times: 5 });
    expect((await callFake(fake, 'GET', '/repos/octo-org/sandbox/actions/secrets')).status).toBe(200);
    expect((await callFake(fake, 'GET', '/repos/octo-org/tools/actions/secrets')).status).toBe(503);
    fake.clearFaults();
    fake.injectFault({ kind: 'status', status: 502, token: 'ghs_not_this_one', times: 5 });
    expect((await callFake(fake, 'GET', '/user/codespaces')).status).toBe(200);
    expect((await callFake(fake, 'GET', '/user/codespaces', { token: 'ghs_not_this_one' })).status).toBe(502);
  });

  it('hits `times` requests', async () => {
    fake.injectFault({ kind: 'status', status: 401, times: 2 });
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await callFake(fake, 'GET', '/user/codespaces')).status);
    expect(statuses).toEqual([401, 401, 200]);
  });

  it('a primary rate limit is a 403 with x-ratelimit-remaining 0 and a reset time', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'primary', retryAfterSeconds: 30 });
    const response = await callFake(fake, 'GET', '/user/codespaces');
    expect(response.status).toBe(403);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThanOrEqual(Date.now() + 28_000);
  });

  it('a secondary rate limit is a 403 with retry-after and "secondary rate limit" in the message', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 7 });
    const response = await callFake(fake, 'GET', '/user/codespaces');
    expect(response.status).toBe(403);
    expect(response.headers.get('retry-after')).toBe('7');
    expect((response.body as { message: string }).message).toMatch(/secondary rate limit/);
  });

  it('a delay slows the response down and then answers normally', async () => {
    fake.injectFault({ kind: 'delay', delayMs: 150 });
    const started = performance.now();
    const response = await callFake(fake, 'GET', '/user/codespaces');
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('does not hit a request that failed validation (the violation is reported instead)', async () => {
    const fault = fake.injectFault({ kind: 'status', status: 500 });
    expect((await callFake(fake, 'GET', '/user/codespaces?bogus=1')).status).toBe(422);
    expect(fault.hits).toBe(0);
    expect(fake.takeViolations()).toHaveLength(1);
    fake.clearFaults();
    expect((await callFake(fake, 'GET', '/user/codespaces')).status).toBe(200);
  });

  it('each fault response is itself valid against the description (404 and 422 bodies included)', async () => {
    for (const status of [404, 422, 409, 502] as const) {
      fake.injectFault({ kind: 'status', status });
      expect((await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', { body: {} })).status).toBe(status);
    }
    expect(fake.violations).toEqual([]);
  });

  it('plays a hostile API: a redirect with its location, and an oversized 200, neither recorded as a violation', async () => {
    fake.injectFault({ kind: 'redirect', location: 'http://elsewhere.test/user/codespaces', status: 307 });
    const redirected = await fetch(`${fake.url}/user/codespaces`, { redirect: 'manual' });
    expect(redirected.status).toBe(307);
    expect(redirected.headers.get('location')).toBe('http://elsewhere.test/user/codespaces');
    fake.injectFault({ kind: 'oversized', bytes: 100_000 });
    const oversized = await fetch(`${fake.url}/user/codespaces`);
    expect(oversized.status).toBe(200);
    expect((await oversized.text()).length).toBeGreaterThan(100_000);
    expect(fake.takeViolations()).toEqual([]);
  });
  it('a lost answer acts first: the codespace exists, then the connection drops or a 502 goes out instead', async () => {
    const create = { body: { machine: 'basicLinux32gb', display_name: 'lost-1' } };
    fake.injectFault({
      kind: 'lost-answer',
      answer: 'drop',
      operationId: 'codespaces/create-with-repo-for-authenticated-user',
    });
    await expect(callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', create)).rejects.toThrow();
    fake.injectFault({ kind: 'lost-answer', answer: 502 });
    const second = { body: { machine: 'basicLinux32gb', display_name: 'lost-2' } };
    expect((await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', second)).status).toBe(502);
    expect(fake.codespaces.list().map((codespace) => codespace.displayName)).toEqual(['lost-1', 'lost-2']);
    expect(fake.requests.map((request) => request.status)).toEqual([0, 502]);
  });
});
