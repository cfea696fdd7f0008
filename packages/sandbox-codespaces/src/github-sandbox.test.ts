import { createSecurityEventEmitter, type SandboxConstraints, type SecurityEvent } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GitHubSandboxConfig } from './github-sandbox-settings.js';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

let fixture: SandboxFixture;

beforeEach(async () => {
  fixture = await startSandboxFixture();
});

afterEach(async () => {
  await fixture.dispose();
});

const operations = () => fixture.fake.requests.map((request) => request.operationId);

describe('create(constraints)', () => {
  it('creates a codespace named by the prefix, waits until Available, and reports it running', async () => {
    const sandbox = fixture.createSandbox();
    const status = await sandbox.create({ env: { A: 'b' } });
    const codespace = fixture.fake.codespaces.get(status.id);
    expect(codespace?.state).toBe('Available');
    expect(codespace?.displayName).toMatch(/^warden-[0-9a-f]{12}$/);
    expect(codespace).toMatchObject({
      idleTimeoutMinutes: 5,
      retentionPeriodMinutes: 5,
      machine: { name: 'basicLinux32gb' },
    });
    expect(status).toMatchObject({
      state: 'running',
      constraints: {
        maxMemoryMb: 8192,
        maxCpuPercent: 200,
        networkPolicy: 'full',
        timeoutMs: 300_000,
        env: { A: 'b' },
      },
    });
    expect(status.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('resolves only once the codespace is Available, polling through Queued, Provisioning and Starting', async () => {
    await fixture.dispose();
    fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
    let resolved = false;
    const creating = fixture
      .createSandbox()
      .create()
      .then((status) => {
        resolved = true;
        return status;
      });
    await vi.waitFor(() => expect(fixture.fake.codespaces.list()).toHaveLength(1), { timeout: 90_000 });
    const name = fixture.fake.codespaces.list()[0]?.name ?? '';
    for (const expected of ['Provisioning', 'Starting']) {
      expect(fixture.fake.codespaces.advance(name)).toBe(expected);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(resolved).toBe(false);
    }
    fixture.fake.codespaces.advance(name);
    expect((await creating).state).toBe('running');
  });

  it("keeps display names within GitHub's 48 characters with the longest prefix", async () => {
    const { id } = await fixture.createSandbox({ namePrefix: `w${'x'.repeat(34)}` }).create();
    expect(fixture.fake.codespaces.get(id)?.displayName).toHaveLength(48);
    expect(() => fixture.createSandbox({ namePrefix: `w${'x'.repeat(35)}` })).toThrow(/namePrefix/);
  });

  it("derives the idle timeout and retention from timeoutMs, within GitHub's 5–240 minutes", async () => {
    const sandbox = fixture.createSandbox();
    const medium = await sandbox.create({ timeoutMs: 45 * 60_000 });
    const long = await sandbox.create({ timeoutMs: 10 * 3_600_000 });
    expect(fixture.fake.codespaces.get(medium.id)).toMatchObject({
      idleTimeoutMinutes: 45,
      retentionPeriodMinutes: 45,
    });
    expect(fixture.fake.codespaces.get(long.id)).toMatchObject({
      idleTimeoutMinutes: 240,
      retentionPeriodMinutes: 240,
    });
  });

  it('chooses the largest machine within maxMemoryMb and maxCpuPercent and reports its real limits', async () => {
    const status = await fixture.createSandbox().create({ maxMemoryMb: 20_000, maxCpuPercent: 400 });
    expect(fixture.fake.codespaces.get(status.id)?.machine.name).toBe('standardLinux32gb');
    expect(status.constraints).toMatchObject({ maxMemoryMb: 16_384, maxCpuPercent: 400 });
  });

  it('refuses limits smaller than every machine with CAPABILITY_UNSUPPORTED and creates nothing', async () => {
    await expect(fixture.createSandbox().create({ maxMemoryMb: 512, maxCpuPercent: 50 })).rejects.toMatchObject({
      code: 'CAPABILITY_UNSUPPORTED',
      message: /smallest is \(2 cores, 8192 MiB\)/,
    });
    expect(operations()).not.toContain('codespaces/create-with-repo-for-authenticated-user');
  });

  it('uses an explicit machine, and refuses it when it exceeds the limits or does not exist', async () => {
    const status = await fixture.createSandbox({ machine: 'premiumLinux' }).create();
    expect(fixture.fake.codespaces.get(status.id)?.machine.name).toBe('premiumLinux');
    await expect(
      fixture.createSandbox({ machine: 'premiumLinux' }).create({ maxCpuPercent: 400 }),
    ).rejects.toMatchObject({
      code: 'CAPABILITY_UNSUPPORTED',
    });
    await expect(fixture.createSandbox({ machine: 'hugeLinux' }).create()).rejects.toMatchObject({
      code: 'CAPABILITY_UNSUPPORTED',
    });
  });

  it("refuses networkPolicy 'none' and 'egress-only', host paths and maxPids with CAPABILITY_UNSUPPORTED; accepts 'full'", async () => {
    const sandbox = fixture.createSandbox();
    for (const constraints of [
      { networkPolicy: 'none' },
      { networkPolicy: 'egress-only' },
      { allowedPaths: ['/data'] },
      { writablePaths: ['/out'] },
      { maxPids: 64 },
    ] satisfies SandboxConstraints[]) {
      await expect(sandbox.create(constraints), JSON.stringify(constraints)).rejects.toMatchObject({
        code: 'CAPABILITY_UNSUPPORTED',
      });
    }
    expect(fixture.fake.codespaces.list()).toEqual([]);
    expect((await sandbox.create({ networkPolicy: 'full' })).constraints.networkPolicy).toBe('full');
  });

  it('passes ref, devcontainerPath and geo to GitHub', async () => {
    const { id } = await fixture
      .createSandbox({ ref: 'feature/x', devcontainerPath: '.devcontainer/agent/devcontainer.json', geo: 'EuropeWest' })
      .create();
    expect(fixture.fake.codespaces.get(id)).toMatchObject({
      ref: 'feature/x',
      devcontainerPath: '.devcontainer/agent/devcontainer.json',
    });
  });

  it('a codespace that fails while starting is deleted and create throws BACKEND_UNAVAILABLE', async () => {
    // States change only on demand here, so the codespace cannot reach Available before it fails.
    await fixture.dispose();
    fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
    const sandbox = fixture.createSandbox();
    const creating = sandbox.create();
    await vi.waitFor(() => expect(fixture.fake.codespaces.list()).toHaveLength(1), { timeout: 90_000 });
    const [codespace] = fixture.fake.codespaces.list();
    fixture.fake.codespaces.setState(codespace?.name ?? '', 'Failed');
    await expect(creating).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /Failed/ });
    expect(fixture.fake.codespaces.get(codespace?.name ?? '')?.state ?? 'gone').toMatch(/Deleted|gone/);
  });

  it('a codespace that never becomes Available within readyTimeoutMs is deleted', async () => {
    await fixture.dispose();
    fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
    await expect(fixture.createSandbox({ readyTimeoutMs: 50 }).create()).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: /Queued/,
    });
    expect(fixture.fake.codespaces.list().map((codespace) => codespace.state)).toEqual(['Deleted']);
  });

  // The attacker here is a GitHub that answers slowly (each poll within the per-attempt deadline):
  // readyTimeoutMs only set how many polls to make, so every slow answer stretched the wait, up
  // to polls × requestTimeoutMs × (retries + 1). The clock (`now`) jumps a second per reading
  // here, as it would across slow answers.
  it('stops polling once readyTimeoutMs has passed on the clock, however slowly GitHub answers, and deletes the codespace', async () => {
    await fixture.dispose();
    fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
    let clock = Date.parse('2026-06-01T12:00:00Z');
    const now = () => (clock += 1000);
    const sandbox = fixture.createSandbox({ readyTimeoutMs: 5_000, pollIntervalMs: 1, now });
    await expect(sandbox.create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /Queued/ });
    expect(fixture.fake.requestsTo('codespaces/get-for-authenticated-user').length).toBeLessThan(20);
    expect(fixture.fake.codespaces.list().map((codespace) => codespace.state)).toEqual(['Deleted']);
  });
});

describe('getStatus(id), destroy(id), list()', () => {
  it("maps GitHub's states: Shutdown → stopped, Failed → error (with a reason), Available → running", async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create();
    fixture.fake.codespaces.setState(id, 'Shutdown');
    expect((await sandbox.getStatus(id)).state).toBe('stopped');
    fixture.fake.codespaces.setState(id, 'Failed');
    expect(await sandbox.getStatus(id)).toMatchObject({
      state: 'error',
      error: 'GitHub reports the codespace as Failed',
    });
    fixture.fake.codespaces.setState(id, 'Available');
    expect((await sandbox.getStatus(id)).state).toBe('running');
  });

  it('destroy(id) stops, then deletes; is idempotent; later calls throw SANDBOX_NOT_FOUND', async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create();
    const before = fixture.fake.requests.length;
    await sandbox.destroy(id);
    await sandbox.destroy(id);
    const calls = fixture.fake.requests.slice(before).map((request) => request.operationId);
    expect(calls.filter((call) => call !== 'codespaces/get-for-authenticated-user')).toEqual([
      'codespaces/stop-for-authenticated-user',
      'codespaces/delete-for-authenticated-user',
    ]);
    await expect(sandbox.getStatus(id)).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(sandbox.execute(id, 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    expect(await sandbox.list()).toEqual([]);
  });

  it('a restarted process finds its codespaces by listing (display-name prefix), and can run and destroy them', async () => {
    const first = fixture.createSandbox();
    const { id } = await first.create();
    const restarted = fixture.createSandbox();
    const [found] = await restarted.list();
    expect(found).toMatchObject({
      id,
      state: 'running',
      constraints: { maxMemoryMb: 8192, maxCpuPercent: 200, networkPolicy: 'full' },
    });
    expect(await restarted.execute(id, 'echo found')).toMatchObject({ stdout: 'found\n', exitCode: 0 });
    await restarted.destroy(id);
    expect(await first.list()).toEqual([]);
  });

  it('never reports, runs in or destroys a codespace it does not manage (another prefix)', async () => {
    const { id: foreign } = await fixture.createSandbox({ namePrefix: 'someone-else' }).create();
    const sandbox = fixture.createSandbox();
    expect(await sandbox.list()).toEqual([]);
    await expect(sandbox.getStatus(foreign)).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(sandbox.execute(foreign, 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await sandbox.destroy(foreign);
    expect(fixture.fake.codespaces.get(foreign)?.state).toBe('Available');
  });

  // The attacker here is the sandbox of another deployment whose prefix extends this one's
  // (`warden` and `warden-prod`, each its own as the README asks): its display names
  // `warden-prod-<hex>` start with `warden-`, so this sandbox listed, ran in and deleted them.
  it("never reports, runs in or destroys a codespace of a deployment whose prefix extends its own (warden-prod's, for warden)", async () => {
    const { id: foreign } = await fixture.createSandbox({ namePrefix: 'warden-prod' }).create();
    const sandbox = fixture.createSandbox({ namePrefix: 'warden' });
    expect(await sandbox.list()).toEqual([]);
    await expect(sandbox.getStatus(foreign)).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(sandbox.execute(foreign, 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await sandbox.destroy(foreign);
    expect(fixture.fake.codespaces.get(foreign)?.state).toBe('Available');
  });

  it('emits sandbox_created and sandbox_destroyed', async () => {
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const sandbox = fixture.createSandbox({ events: emitter });
    const { id } = await sandbox.create();
    await sandbox.destroy(id);
    expect(events.map((event) => [event.type, event.details.id])).toEqual([
      ['sandbox_created', id],
      ['sandbox_destroyed', id],
    ]);
  });
});

describe('execute(id, command, options)', () => {
  it('runs through the transport in that codespace, with the sandbox env overlaid by the call env', async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create({ env: { FROM: 'sandbox', SHARED: 'sandbox' } });
    const result = await sandbox.execute(id, 'echo "$FROM|$SHARED|$CALL"', { env: { SHARED: 'call', CALL: 'yes' } });
    expect(result).toMatchObject({ stdout: 'sandbox|call|yes\n', exitCode: 0 });
    const [argv] = await fixture.gh.calls();
    expect(argv?.slice(0, 5)).toEqual(['codespace', 'ssh', '-c', id, '--']);
  });

  // The port's rule (and the threat model's: nothing a sandbox starts outlives destroy): a command
  // still running when its sandbox is destroyed, without an abort first, resolves as killed.
  // Destroy deleted the codespace and left the command to run on (until its timeout, or until
  // the dropped connection ended it with gh's exit code, reported as the command's).
  it('a command still running when destroy(id) is called, without an abort, resolves killed with timedOut true', async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create();
    const running = sandbox.execute(id, 'sleep 20', { timeoutMs: 60_000 });
    while ((await fixture.gh.calls()).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await sandbox.destroy(id);
    await expect(running).resolves.toMatchObject({ timedOut: true });
    await expect(sandbox.execute(id, 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
  }, 60_000);

  it("uses the sandbox's timeoutMs when the call gives none", async () => {
    const sandbox = fixture.createSandbox();
    const { id } = await sandbox.create({ timeoutMs: 200 });
    expect(await sandbox.execute(id, 'sleep 20')).toMatchObject({ timedOut: true });
  });
});

describe('createGitHubSandbox(settings)', () => {
  it('refuses a malformed owner or repo, and neither or both of octokit and token, with INVALID_INPUT naming the field', () => {
    const octokit = { request: async () => ({}) } as unknown as GitHubSandboxConfig['octokit'];
    const invalid: Array<[Partial<GitHubSandboxConfig>, RegExp]> = [
      [{ owner: 'bad owner' }, /owner: must be a GitHub owner or repository name/],
      [{ repo: 'a/b' }, /repo: must be a GitHub owner or repository name/],
      [{ token: undefined }, /octokit: give exactly one of octokit or token/],
      [{ octokit }, /octokit: give exactly one of octokit or token/],
      [{ baseUrl: 'ftp://example.com' }, /baseUrl/],
    ];
    for (const [overrides, message] of invalid) {
      expect(() => fixture.createSandbox(overrides), JSON.stringify(overrides)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }),
      );
    }
    expect(fixture.fake.requests).toEqual([]);
  });

  it('refuses a setting it does not know (a misspelt limit) with INVALID_INPUT naming it, instead of keeping the default', () => {
    for (const typo of ['idleTimeoutMinute', 'retentionPeriod', 'maxRetries']) {
      expect(() => fixture.createSandbox({ [typo]: 5 } as Partial<GitHubSandboxConfig>), typo).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: typo })] }),
      );
    }
    expect(fixture.fake.requests).toEqual([]);
  });
});
