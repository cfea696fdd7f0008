import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describeWithService, findFreePort } from '@warden/testing';
import { expect, it } from 'vitest';
import { childCommand, startChildren, stopChildren, waitUntilAllSee } from '../test/child-processes.js';
import { wallClock } from '../test/child-protocol.js';
import { createRedisKillSwitch } from './redis-kill-switch.js';

const PROCESSES = 10;

/** Runs the child entry in `close` mode; resolves with its exit code and output, or rejects after `timeoutMs`. */
function runCloseChild(url: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      childCommand(['close', url, `close-${randomUUID()}`]),
      { cwd: join(import.meta.dirname, '..'), timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout) => {
        if (error?.killed) reject(new Error(`the process did not exit within ${timeoutMs} ms after close()`));
        else resolve({ code: child.exitCode, output: stdout.trim() });
      },
    );
  });
}

describeWithService('redis', 'Redis kill switch across processes', (redisUrl) => {
  it(`activate() in one process reaches ${PROCESSES} separate subscriber processes, and so does deactivate()`, async () => {
    const name = `processes-${randomUUID()}`;
    const killSwitch = createRedisKillSwitch({ url: redisUrl, name });
    await killSwitch.deactivate({ actor: 'operator' });
    const children = await startChildren(PROCESSES, 'switch', redisUrl, name);
    try {
      const startedAt = wallClock();
      await killSwitch.activate('stop every process', { actor: 'alice' });
      const activatedAt = await waitUntilAllSee(children, (change) => change.reason === 'stop every process');
      const activationMs = activatedAt - startedAt;
      const deactivationStartedAt = wallClock();
      await killSwitch.deactivate({ actor: 'bob' });
      const deactivatedAt = await waitUntilAllSee(children, (change) => !change.active);
      console.info(
        `${PROCESSES} processes saw activate() after ${activationMs.toFixed(1)} ms and ` +
          `deactivate() after ${(deactivatedAt - deactivationStartedAt).toFixed(1)} ms (provisional, shared machine)`,
      );
      for (const child of children) {
        expect(child.changes.map((change) => change.active)).toEqual([true, false]);
      }
    } finally {
      await killSwitch.close();
      const { exitedByThemselves } = await stopChildren(children);
      // close() must leave no timer or connection keeping a process alive.
      expect(exitedByThemselves).toBe(PROCESSES);
    }
  }, 120_000);

  it('close() lets a process exit by itself after using a reachable Redis', async () => {
    const { code, output } = await runCloseChild(redisUrl, 15_000);
    expect(code).toBe(0);
    // A fresh switch holds no record: unknown, so active (fail closed).
    expect(JSON.parse(output)).toEqual({ active: true, activation: 'activated' });
  }, 120_000);

  it('close() lets a process exit by itself while Redis is unreachable (reconnection timers included)', async () => {
    const deadUrl = `redis://127.0.0.1:${await findFreePort()}`;
    const { code, output } = await runCloseChild(deadUrl, 15_000);
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ active: true, activation: 'BACKEND_UNAVAILABLE' });
  }, 120_000);
});
