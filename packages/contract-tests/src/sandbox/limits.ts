import type { Sandbox } from '@warden/core';
import { expect, it } from 'vitest';
import type { SandboxSuite } from './harness.js';

/**
 * Lists the command lines of the processes running in the sandbox (from `/proc`, which every
 * Linux sandbox has), so a test can check that a timed-out command was really killed.
 */
async function runningCommandLines(sandbox: Sandbox, id: string): Promise<string> {
  const result = await sandbox.execute(id, 'cat /proc/[0-9]*/cmdline 2>/dev/null; true', { timeoutMs: 10_000 });
  return result.stdout.replaceAll('\0', ' ');
}

/**
 * Waits until `marker` no longer appears among the sandbox's processes, probing for up to 20 s:
 * a kill is asynchronous, and on a loaded machine the process can take seconds to be reaped.
 */
async function expectProcessGone(sandbox: Sandbox, id: string, marker: string): Promise<void> {
  let commandLines = '';
  const deadline = Date.now() + 20_000;
  do {
    commandLines = await runningCommandLines(sandbox, id);
    if (!commandLines.includes(marker)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  } while (Date.now() < deadline);
  expect(commandLines, 'the timed-out command is still running').not.toContain(marker);
}

/**
 * A `sleep` whose command line no other process on the machine shares: where a sandbox's `/proc`
 * shows the host's processes (the Codespaces fake), another checkout running this same suite at
 * the same moment must not look like a survivor of this test.
 */
function uniqueSleep(): { command: string; marker: string } {
  const seconds = 100_000 + Math.floor(Math.random() * 899_999);
  return { command: `sleep ${seconds}`, marker: `sleep ${seconds} ` };
}

/** Timeouts, abort signals and output caps. */
export function registerSandboxLimits({ harness, timeoutMs }: SandboxSuite): void {
  it(
    'execute(id, command, { timeoutMs }) kills the command when the time is up and reports timedOut',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const sleep = uniqueSleep();
      const result = await sandbox.execute(id, sleep.command, { timeoutMs: 300 });
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).not.toBe(0);
      expect(result.durationMs).toBeLessThan(20_000);
      await expectProcessGone(sandbox, id, sleep.marker);

      const after = await sandbox.execute(id, 'echo still-running');
      expect(after).toMatchObject({ stdout: 'still-running\n', timedOut: false });
    },
    timeoutMs,
  );

  it(
    'execute(id, command) without timeoutMs uses the timeoutMs the sandbox was created with',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create({ timeoutMs: 300 });
      const result = await sandbox.execute(id, uniqueSleep().command);
      expect(result.timedOut).toBe(true);
      expect(result.durationMs).toBeLessThan(20_000);
    },
    timeoutMs,
  );

  it(
    'execute(id, command, { signal }) kills the command when the signal aborts',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 300);
      try {
        const sleep = uniqueSleep();
        const result = await sandbox.execute(id, sleep.command, { signal: controller.signal, timeoutMs: 30_000 });
        expect(result.timedOut).toBe(true);
        expect(result.durationMs).toBeLessThan(20_000);
        await expectProcessGone(sandbox, id, sleep.marker);
      } finally {
        clearTimeout(timer);
      }
    },
    timeoutMs,
  );

  it(
    'execute(id, command, { signal }) aborted and then destroy(id) resolves with timedOut true, never rejects',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const controller = new AbortController();
      // A host whose kill switch fires stops the command, then the sandbox: neither may crash it.
      const running = sandbox.execute(id, 'sleep 41', { signal: controller.signal, timeoutMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await sandbox.destroy(id);
      await expect(running).resolves.toMatchObject({ timedOut: true });
    },
    timeoutMs,
  );

  it(
    'execute(id, command, { maxOutputBytes }) caps each stream and reports truncated',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const result = await sandbox.execute(id, 'yes a | head -c 5000; yes b | head -c 5000 >&2', {
        maxOutputBytes: 1000,
      });
      expect(result.truncated).toBe(true);
      for (const [stream, letter] of [
        [result.stdout, 'a'],
        [result.stderr, 'b'],
      ] as const) {
        expect(Buffer.byteLength(stream)).toBeLessThanOrEqual(1000);
        expect(stream.length).toBeGreaterThan(0);
        expect(`${letter}\n`.repeat(500).startsWith(stream)).toBe(true);
      }
    },
    timeoutMs,
  );
}
