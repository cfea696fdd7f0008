import { createGitHubClient, type GitHubClient } from '@warden/github-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

// The attacker here is a hostile GitHub API (or whatever answers in its place) whose answers
// have the wrong types. What must hold: every method fails with a typed error, never a bare
// TypeError from deep inside, and nothing is created on a machine list it cannot read.

let fixture: SandboxFixture;

beforeEach(async () => {
  fixture = await startSandboxFixture();
});

afterEach(async () => {
  await fixture.dispose();
});

/** A client on the fake whose answers to routes matching `route` are rewritten by `corrupt`. */
function hostileOctokit(route: RegExp, corrupt: (answer: Record<string, unknown>) => void): GitHubClient {
  const client = createGitHubClient({
    userAgent: 'warden-test',
    auth: fixture.fake.userToken,
    baseUrl: fixture.fake.url,
    retryDelayUnitMs: 5,
    minWriteIntervalMs: 0,
  });
  const request = async (...args: Parameters<GitHubClient['request']>) => {
    const response = await client.request(...args);
    if (route.test(String(args[0]))) corrupt(response.data as Record<string, unknown>);
    return response;
  };
  return { request } as unknown as GitHubClient;
}

describe('GitHub sandbox: malformed answers', () => {
  it('create() given a machine list that is no list: BACKEND_UNAVAILABLE, no codespace', async () => {
    const octokit = hostileOctokit(/\/machines$/, (answer) => (answer.machines = 'all of them'));
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fixture.fake.codespaces.list()).toEqual([]);
  });

  it('create() given machines whose sizes are not numbers: BACKEND_UNAVAILABLE, no codespace', async () => {
    const octokit = hostileOctokit(/\/machines$/, (answer) => {
      for (const machine of answer.machines as Array<Record<string, unknown>>) machine.memory_in_bytes = 'lots';
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.create({ maxMemoryMb: 8192 })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fixture.fake.codespaces.list()).toEqual([]);
  });

  it('list() and getStatus() given codespaces without a repository: BACKEND_UNAVAILABLE', async () => {
    const { id } = await fixture.createSandbox().create();
    const octokit = hostileOctokit(/^GET .*codespaces(\/\{codespace_name\})?$/, (answer) => {
      const records = (answer.codespaces as Array<Record<string, unknown>> | undefined) ?? [answer];
      for (const record of records) delete record.repository;
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.list()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(sandbox.getStatus(id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('list() given a page of 200,000 codespaces (a hostile or broken API) answers, without a stack overflow', async () => {
    await fixture.createSandbox().create();
    const octokit = hostileOctokit(/^GET .*codespaces$/, (answer) => {
      const records = answer.codespaces as unknown[];
      answer.codespaces = Array(200_000).fill(records[0]);
      answer.total_count = 200_000;
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    expect((await sandbox.list()).length).toBeGreaterThan(0);
  });

  it('create() given an answer naming another codespace on the account: BACKEND_UNAVAILABLE, that codespace untouched, its own deleted', async () => {
    const foreign = await fixture.createSandbox({ namePrefix: 'other' }).create();
    const octokit = hostileOctokit(/^POST .*codespaces$/, (answer) => (answer.name = foreign.id));
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const left = fixture.fake.codespaces.list().filter((codespace) => codespace.state !== 'Deleted');
    expect(left.map((codespace) => [codespace.name, codespace.state])).toEqual([[foreign.id, 'Available']]);
  });

  it('getStatus(id) given an answer naming another codespace: BACKEND_UNAVAILABLE, never the other status', async () => {
    const { id } = await fixture.createSandbox().create();
    const other = await fixture.createSandbox().create();
    const octokit = hostileOctokit(/^GET .*\{codespace_name\}$/, (answer) => (answer.name = other.id));
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.getStatus(id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('list() given a GitHub that answers every page with the same full page reports each codespace once', async () => {
    const { id } = await fixture.createSandbox().create();
    let first: unknown;
    const octokit = hostileOctokit(/^GET .*codespaces$/, (answer) => {
      first ??= (answer.codespaces as unknown[])[0];
      answer.codespaces = Array(100).fill(first);
      answer.total_count = 1_000_000;
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    expect((await sandbox.list()).map((status) => status.id)).toEqual([id]);
  });

  it('list() given more than 100,000 distinct codespaces (memory without bound, page after page): BACKEND_UNAVAILABLE', async () => {
    await fixture.createSandbox().create();
    const octokit = hostileOctokit(/^GET .*codespaces$/, (answer) => {
      const [record] = answer.codespaces as Array<Record<string, unknown>>;
      answer.codespaces = Array.from({ length: 100_001 }, (_, index) => ({ ...record, name: `forged-${index}` }));
      answer.total_count = 100_001;
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    await expect(sandbox.list()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

// The same hostile API, now reaching whoever reads errors and statuses: a codespace's state and
// machine names went into messages verbatim, so it could echo the token it was sent there or
// forge a log line with a newline.
describe('GitHub sandbox: hostile text in answers', () => {
  const forged = () => `Broken ${fixture.fake.userToken}\n2026-01-01 INFO sandbox healthy`;

  /** Everything a caller or a log sees of an error or a status. */
  const shown = (value: unknown) =>
    value instanceof Error ? `${value.message}${JSON.stringify(value)}` : JSON.stringify(value);

  it('create() given a state that echoes the token: BACKEND_UNAVAILABLE, neither the token nor a forged line shown', async () => {
    const octokit = hostileOctokit(/\{codespace_name\}$/, (answer) => (answer.state = forged()));
    const sandbox = fixture.createSandbox({ token: undefined, octokit });
    const error = await sandbox.create().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(shown(error)).not.toContain(fixture.fake.userToken);
    expect((error as Error).message).not.toMatch(/[\n\r]/);
  });

  it('list() given such a state reports the error state without the token or a forged line', async () => {
    await fixture.createSandbox().create();
    const octokit = hostileOctokit(/^GET .*codespaces$/, (answer) => {
      for (const record of answer.codespaces as Array<Record<string, unknown>>) record.state = forged();
    });
    const [status] = await fixture.createSandbox({ token: undefined, octokit }).list();
    expect(status).toMatchObject({ state: 'error' });
    expect(shown(status)).not.toContain(fixture.fake.userToken);
    expect(status?.error).not.toMatch(/[\n\r]/);
  });

  it('create() given machine names that echo the token: CAPABILITY_UNSUPPORTED, neither the token nor a forged line shown', async () => {
    const octokit = hostileOctokit(/\/machines$/, (answer) => {
      for (const machine of answer.machines as Array<Record<string, unknown>>) machine.name = forged();
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit, machine: 'basicLinux32gb' });
    const error = await sandbox.create().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED' });
    expect(shown(error)).not.toContain(fixture.fake.userToken);
    expect((error as Error).message).not.toMatch(/[\n\r]/);
  });

  // A classic token (40 hex digits, as OAuth and older personal access tokens are) is a plain
  // word: it passed the plain-name check, and only prefixed tokens were recognised.
  const classicToken = 'c0ffee00'.repeat(5);

  it('list() given a state that is a classic 40-hex token (alone, or glued to a word) shows neither', async () => {
    await fixture.createSandbox().create();
    await fixture.createSandbox().create();
    let index = 0;
    const octokit = hostileOctokit(/^GET .*codespaces$/, (answer) => {
      for (const record of answer.codespaces as Array<Record<string, unknown>>) {
        record.state = index++ % 2 === 0 ? classicToken : `Broken${classicToken}`;
      }
    });
    const statuses = await fixture.createSandbox({ token: undefined, octokit }).list();
    expect(statuses.map((status) => status.state)).toEqual(['error', 'error']);
    expect(shown(statuses)).not.toContain(classicToken);
  });

  it('create() given machine names that are classic 40-hex tokens: CAPABILITY_UNSUPPORTED without them', async () => {
    const octokit = hostileOctokit(/\/machines$/, (answer) => {
      for (const machine of answer.machines as Array<Record<string, unknown>>) machine.name = classicToken;
    });
    const sandbox = fixture.createSandbox({ token: undefined, octokit, machine: 'basicLinux32gb' });
    const error = await sandbox.create().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED' });
    expect(shown(error)).not.toContain(classicToken);
  });
});
