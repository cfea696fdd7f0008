import { runKillSwitchContract } from '@warden/contract-tests';
import type { KillSwitch, Sandbox } from '@warden/core';
import { createStubKillSwitch, createStubSandbox } from '@warden/stubs';
import { describe, expect, it } from 'vitest';

// The host under test: it stops when the kill switch is active, else runs the command in a
// fresh sandbox that it always destroys. It depends on the ports only, so tests hand it stubs.
async function runCommand(ports: { killSwitch: KillSwitch; sandbox: Sandbox }, command: string) {
  if (await ports.killSwitch.isActive()) return { stopped: true as const };
  const { id } = await ports.sandbox.create({ networkPolicy: 'none', timeoutMs: 5_000 });
  try {
    return { stopped: false as const, result: await ports.sandbox.execute(id, command) };
  } finally {
    await ports.sandbox.destroy(id);
  }
}

describe('my host', () => {
  it('runs the command in a sandbox and destroys it afterwards', async () => {
    const sandbox = createStubSandbox({ respond: () => ({ stdout: 'ok\n' }) });
    const outcome = await runCommand({ killSwitch: createStubKillSwitch(), sandbox }, 'npm test');
    expect(outcome).toMatchObject({ stopped: false, result: { stdout: 'ok\n', exitCode: 0 } });
    expect(sandbox.calls.map((call) => call.method)).toEqual(['create', 'execute', 'destroy']);
  });

  it('stops everything once the kill switch is active', async () => {
    const killSwitch = createStubKillSwitch();
    await killSwitch.activate('incident 42', { actor: 'alice' });
    const sandbox = createStubSandbox();
    expect(await runCommand({ killSwitch, sandbox }, 'npm test')).toEqual({ stopped: true });
    expect(sandbox.calls.filter((call) => call.method === 'create')).toEqual([]);
  });
});

// The stub passes the same contract suite as the Redis kill switch: that is what makes swapping
// it for the real backend in tests honest. A backend of your own runs the suite the same way.
runKillSwitchContract({
  name: 'stub (in this guide)',
  createSubject: async () => ({ subject: createStubKillSwitch(), cleanup: async () => {} }),
});
