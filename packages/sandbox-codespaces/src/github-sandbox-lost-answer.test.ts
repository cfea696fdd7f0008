import { createGitHubClient, type GitHubClient } from '@warden/github-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

let fixture: SandboxFixture;
const CREATE = 'codespaces/create-with-repo-for-authenticated-user';
const LIST = 'codespaces/list-in-repository-for-authenticated-user';

beforeEach(async () => {
  fixture = await startSandboxFixture();
});

afterEach(async () => {
  await fixture.dispose();
});

/** The codespaces GitHub still holds (a deleted one is on its way out and bills nothing). */
function liveCodespaces(): string[] {
  return fixture.fake.codespaces
    .list()
    .filter((codespace) => codespace.state !== 'Deleted')
    .map((codespace) => codespace.name);
}

// The attacker is the network: GitHub makes the codespace, and its answer never arrives.
describe('create() when GitHub made the codespace but its answer was lost', () => {
  for (const answer of ['drop', 502, 500, 503] as const) {
    it(`(${answer}) the POST is sent once, and the one codespace GitHub made is the one create returns`, async () => {
      fixture.fake.injectFault({ kind: 'lost-answer', answer, operationId: CREATE });
      const status = await fixture.createSandbox().create();
      expect(fixture.fake.requestsTo(CREATE)).toHaveLength(1);
      expect(liveCodespaces()).toEqual([status.id]);
      expect(status.state).toBe('running');
    });
  }

  it('an injected Octokit that resends the POST itself, both answers lost: create throws and deletes both', async () => {
    fixture.fake.injectFault({ kind: 'lost-answer', answer: 502, operationId: CREATE, times: 2 });
    const github = createGitHubClient({
      baseUrl: fixture.fake.url,
      auth: fixture.fake.userToken,
      userAgent: 'test',
      minWriteIntervalMs: 0,
      retryDelayUnitMs: 5,
    });
    // A client of the user's own that retries every failed request once, whatever it was told.
    const resending: GitHubClient = {
      request: (async (route: string, parameters?: Record<string, unknown>) =>
        github.request(route, parameters).catch(() => github.request(route, parameters))) as GitHubClient['request'],
    };
    const sandbox = fixture.createSandbox({ octokit: resending, token: undefined });
    await expect(sandbox.create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fixture.fake.requestsTo(CREATE)).toHaveLength(2);
    expect(liveCodespaces()).toEqual([]);
  });

  it('the adopted codespace never becomes Available: create throws and deletes it', async () => {
    await fixture.dispose();
    fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
    fixture.fake.injectFault({ kind: 'lost-answer', answer: 'drop', operationId: CREATE });
    await expect(fixture.createSandbox({ readyTimeoutMs: 50 }).create()).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /not Available/,
    });
    expect(fixture.fake.requestsTo(CREATE)).toHaveLength(1);
    expect(liveCodespaces()).toEqual([]);
  });

  it('the lookup after the lost answer fails too: create throws BACKEND_UNAVAILABLE saying the codespace may be left', async () => {
    fixture.fake.injectFault({ kind: 'lost-answer', answer: 502, operationId: CREATE });
    fixture.fake.injectFault({ kind: 'status', status: 503, operationId: LIST, times: 100 });
    await expect(fixture.createSandbox({ retries: 1 }).create()).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /may be left/,
    });
  });
});
