import { DEFAULT_MACHINES, type FakeCodespace, type FakeMachine } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

// The attacker here is the repository the codespace is built from (its devcontainer.json can
// demand a bigger machine through hostRequirements) or a GitHub that answers with another
// machine than asked: the limits the caller set must not be silently exceeded.

let fixture: SandboxFixture;

beforeEach(async () => {
  fixture = await startSandboxFixture({ fake: { autoAdvance: false } });
});

afterEach(async () => {
  await fixture.dispose();
});

describe('create(constraints) when GitHub runs the codespace on another machine', () => {
  it('a machine larger than maxMemoryMb/maxCpuPercent: the codespace is deleted and create throws CAPABILITY_UNSUPPORTED', async () => {
    const creating = fixture
      .createSandbox()
      .create({ maxMemoryMb: 8192, maxCpuPercent: 200 })
      .catch((error: unknown) => error);
    await vi.waitFor(() => expect(fixture.fake.codespaces.list()).toHaveLength(1), { timeout: 90_000 });
    const codespace = fixture.fake.codespaces.list()[0];
    if (!codespace) throw new Error('no codespace');
    expect(codespace.machine.name).toBe('basicLinux32gb');
    codespace.machine = DEFAULT_MACHINES.find((machine) => machine.name === 'largePremiumLinux') as FakeMachine;
    for (let step = 0; step < 3; step++) fixture.fake.codespaces.advance(codespace.name);
    const outcome = await creating;
    expect(outcome).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED', message: /largePremiumLinux/ });
    expect(fixture.fake.codespaces.get(codespace.name)?.state ?? 'Gone').toMatch(/Deleted|Gone/);
  }, 120_000);
});

describe('create(constraints) when GitHub does not apply the idle timeout or retention asked for', () => {
  for (const [what, loosen] of [
    ['a longer idle timeout', (codespace: FakeCodespace) => (codespace.idleTimeoutMinutes = 240)],
    ['a longer retention period', (codespace: FakeCodespace) => (codespace.retentionPeriodMinutes = 43_200)],
  ] as const) {
    it(`${what}: the codespace is deleted and create throws CAPABILITY_UNSUPPORTED`, async () => {
      const creating = fixture
        .createSandbox()
        .create({ timeoutMs: 60_000 })
        .catch((error: unknown) => error);
      await vi.waitFor(() => expect(fixture.fake.codespaces.list()).toHaveLength(1), { timeout: 90_000 });
      const codespace = fixture.fake.codespaces.list()[0];
      if (!codespace) throw new Error('no codespace');
      expect([codespace.idleTimeoutMinutes, codespace.retentionPeriodMinutes]).toEqual([5, 5]);
      loosen(codespace);
      for (let step = 0; step < 3; step++) fixture.fake.codespaces.advance(codespace.name);
      expect(await creating).toMatchObject({ code: 'CAPABILITY_UNSUPPORTED' });
      expect(fixture.fake.codespaces.get(codespace.name)?.state ?? 'Gone').toMatch(/Deleted|Gone/);
    }, 120_000);
  }
});
