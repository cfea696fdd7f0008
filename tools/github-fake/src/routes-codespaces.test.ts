import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubFake, type GitHubFakeConfig, startGitHubFake } from './github-fake.js';
import { callFake, signAppJwt } from './test-support/http.js';

let fake: GitHubFake;
let clock = 1_800_000_000_000;

async function start(options: GitHubFakeConfig = {}): Promise<GitHubFake> {
  clock = 1_800_000_000_000;
  fake = await startGitHubFake({ now: () => clock, codespaceStepMs: 1000, ...options });
  return fake;
}

async function createCodespace(body: Record<string, unknown> = {}): Promise<{ name: string; state: string }> {
  const response = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', { body });
  expect(response.status).toBe(201);
  return response.body as { name: string; state: string };
}

async function stateOf(name: string): Promise<string | number> {
  const response = await callFake(fake, 'GET', `/user/codespaces/${name}`);
  return response.status === 200 ? (response.body as { state: string }).state : response.status;
}

afterEach(async () => {
  await fake.close();
});

describe('codespaces', () => {
  it('a created codespace moves Queued → Provisioning → Starting → Available as the clock advances', async () => {
    await start();
    const created = await createCodespace({ ref: 'main', machine: 'basicLinux32gb', display_name: 'warden-abc' });
    expect(created.state).toBe('Queued');
    const seen: Array<string | number> = [];
    for (let step = 0; step < 4; step++) {
      seen.push(await stateOf(created.name));
      clock += 1000;
    }
    expect(seen).toEqual(['Queued', 'Provisioning', 'Starting', 'Available']);
  });

  it('with autoAdvance off, states move only on advance(name)', async () => {
    await start({ autoAdvance: false });
    const { name } = await createCodespace();
    clock += 60_000;
    expect(await stateOf(name)).toBe('Queued');
    expect(fake.codespaces.advance(name)).toBe('Provisioning');
    expect(await stateOf(name)).toBe('Provisioning');
  });

  it('stop goes through ShuttingDown to Shutdown (spelled as GitHub spells it); start brings it back', async () => {
    await start();
    const { name } = await createCodespace();
    clock += 3000;
    const stopped = await callFake(fake, 'POST', `/user/codespaces/${name}/stop`);
    expect((stopped.body as { state: string }).state).toBe('ShuttingDown');
    clock += 1000;
    expect(await stateOf(name)).toBe('Shutdown');
    const started = await callFake(fake, 'POST', `/user/codespaces/${name}/start`);
    expect((started.body as { state: string }).state).toBe('Starting');
    clock += 1000;
    expect(await stateOf(name)).toBe('Available');
  });

  it('delete answers 202, shows Deleted, then the codespace is gone (404)', async () => {
    await start();
    const { name } = await createCodespace();
    expect((await callFake(fake, 'DELETE', `/user/codespaces/${name}`)).status).toBe(202);
    expect(await stateOf(name)).toBe('Deleted');
    expect((await callFake(fake, 'DELETE', `/user/codespaces/${name}`)).status).toBe(404);
    clock += 1000;
    expect(await stateOf(name)).toBe(404);
  });

  it('lists page by page with the link header Octokit follows', async () => {
    await start();
    for (let index = 0; index < 3; index++) await createCodespace({ display_name: `warden-${index}` });
    const first = await callFake(fake, 'GET', '/repos/octo-org/sandbox/codespaces?per_page=2');
    const body = first.body as { total_count: number; codespaces: Array<{ display_name: string }> };
    expect(body.total_count).toBe(3);
    expect(body.codespaces.map((codespace) => codespace.display_name)).toEqual(['warden-0', 'warden-1']);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    const second = await callFake(fake, 'GET', next.slice(fake.url.length));
    expect((second.body as { codespaces: unknown[] }).codespaces).toHaveLength(1);
    const other = await callFake(fake, 'GET', '/user/codespaces?repository_id=101');
    expect((other.body as { total_count: number }).total_count).toBe(0);
  });

  it('refuses a display name longer than 48 characters, an unknown machine and an idle timeout out of range', async () => {
    await start();
    const tooLong = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', {
      body: { display_name: 'x'.repeat(49) },
    });
    expect(tooLong.status).toBe(400);
    const machine = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', {
      body: { machine: 'hugeLinux' },
    });
    expect(machine.status).toBe(400);
    const idle = await callFake(fake, 'POST', '/repos/octo-org/sandbox/codespaces', {
      body: { idle_timeout_minutes: 1 },
    });
    expect(idle.status).toBe(400);
    expect(fake.codespaces.list()).toEqual([]);
  });

  it("lists the repository's machine types", async () => {
    await start();
    const response = await callFake(fake, 'GET', '/repos/octo-org/sandbox/codespaces/machines');
    const machines = (response.body as { machines: Array<{ name: string; cpus: number }> }).machines;
    expect(machines.map((machine) => machine.cpus)).toEqual([2, 4, 8, 16]);
  });

  it('answers 401 without credentials, 401 for an unknown token and 403 for an app', async () => {
    await start();
    expect((await callFake(fake, 'GET', '/user/codespaces', { token: null })).status).toBe(401);
    expect((await callFake(fake, 'GET', '/user/codespaces', { token: 'ghp_wrong' })).status).toBe(401);
    expect(
      (await callFake(fake, 'GET', '/user/codespaces', { token: signAppJwt(fake, {}, clock), scheme: 'bearer' }))
        .status,
    ).toBe(403);
  });

  it('answers 404 for a repository that does not exist', async () => {
    await start();
    expect((await callFake(fake, 'POST', '/repos/octo-org/missing/codespaces', { body: {} })).status).toBe(404);
  });
});
