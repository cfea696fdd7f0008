import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from './github-fake.js';
import { callFake } from './test-support/http.js';

let fake: GitHubFake;

beforeEach(async () => {
  fake = await startGitHubFake({ autoAdvance: false });
});

afterEach(async () => {
  fake.takeViolations();
  await fake.close();
});

describe("request validation against GitHub's OpenAPI description", () => {
  it('POST /repos/{owner}/{repo}/codespaces with a misspelled geo enum is a 422 and a recorded violation', async () => {
    const response = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', { body: { geo: 'EuWest' } });
    expect(response.status).toBe(422);
    const [violation] = fake.takeViolations();
    expect(violation?.kind).toBe('request');
    expect(violation?.operationId).toBe('codespaces/create-with-repo-for-authenticated-user');
    expect(violation?.problems.join('\n')).toContain('body/geo must be equal to one of the allowed values');
    expect(fake.codespaces.list()).toEqual([]);
  });

  it('a camelCase field GitHub would silently ignore (devcontainerPath) is refused', async () => {
    const response = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', {
      body: { devcontainerPath: '.devcontainer/devcontainer.json' },
    });
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toEqual([
      'body must NOT have additional properties (unexpected "devcontainerPath")',
    ]);
  });

  it('PUT a secret without key_id is refused as missing a required property', async () => {
    const response = await callFake(fake, 'PUT', '/repos/octo-org/sandbox/actions/secrets/TOKEN', {
      body: { encrypted_value: 'AAAA' },
    });
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toContain("body must have required property 'key_id'");
  });

  it('a wrong type (idle_timeout_minutes as a string) is refused', async () => {
    const response = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', {
      body: { idle_timeout_minutes: '30' },
    });
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toEqual(['body/idle_timeout_minutes must be integer']);
  });

  it('a path that no operation has (/user/codespace/…) is a 404 and a recorded violation', async () => {
    const response = await callFake(fake, 'GET', '/user/codespace/anything');
    expect(response.status).toBe(404);
    expect(fake.takeViolations()[0]?.problems[0]).toContain(
      'no operation the fake plays matches GET /user/codespace/anything',
    );
  });

  it('a non-integer installation_id path parameter is refused', async () => {
    const response = await callFake(fake, 'POST', '/app/installations/abc/access_tokens', { body: {} });
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toEqual(['path installation_id must be integer']);
  });

  it('a query parameter the operation does not define is refused', async () => {
    const response = await callFake(fake, 'GET', '/user/codespaces?repo_id=5');
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toEqual([
      'query parameter "repo_id" is not defined for codespaces/list-for-authenticated-user',
    ]);
  });

  it('a body that is not JSON is a 400', async () => {
    const response = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', { body: '{not json' });
    expect(response.status).toBe(400);
    expect(fake.takeViolations()[0]?.problems).toEqual(['the request body is not valid JSON']);
  });

  it('a body sent to an operation that takes none is refused', async () => {
    const response = await callFake(fake, 'DELETE', '/installation/token', { body: { token: 'x' } });
    expect(response.status).toBe(422);
    expect(fake.takeViolations()[0]?.problems).toEqual(['apps/revoke-installation-access-token takes no request body']);
  });

  it('a valid request records no violation', async () => {
    const response = await callFake(fake, 'GET', '/user/codespaces?per_page=5&page=1');
    expect(response.status).toBe(200);
    expect(fake.violations).toEqual([]);
  });
});

describe("response validation against GitHub's OpenAPI description", () => {
  it('a codespace in the misspelled state "ShutDown" cannot be sent: 500, a response violation, and close() throws', async () => {
    const created = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', { body: {} });
    const name = (created.body as { name: string }).name;
    fake.codespaces.setState(name, 'ShutDown' as 'Shutdown');
    const response = await callFake(fake, 'GET', `/user/codespaces/${name}`);
    expect(response.status).toBe(500);
    expect(fake.violations[0]?.kind).toBe('response');
    expect(fake.violations[0]?.problems.join('\n')).toContain(
      'response 200 body/state must be equal to one of the allowed values',
    );
    expect(() => fake.assertNoViolations()).toThrow(/1 violation/);
  });

  it('close() throws when a violation was recorded and not taken', async () => {
    const other = await startGitHubFake();
    await callFake(other, 'GET', '/nope');
    await expect(other.close()).rejects.toThrow(/no operation the fake plays matches GET \/nope/);
  });
});
