import type { ExecResult } from '@warden/core';
import { expect, it } from 'vitest';
import type { SandboxSuite } from './harness.js';

/** Checks the type of every {@link ExecResult} field. */
function expectExecResultShape(result: ExecResult): void {
  expect(typeof result.stdout).toBe('string');
  expect(typeof result.stderr).toBe('string');
  expect(Number.isInteger(result.exitCode)).toBe(true);
  expect(typeof result.timedOut).toBe('boolean');
  expect(typeof result.truncated).toBe('boolean');
  expect(Number.isFinite(result.durationMs)).toBe(true);
  expect(result.durationMs).toBeGreaterThanOrEqual(0);
}

/** `execute` as every backend offers it: the result's shape, for real and scripted backends alike. */
export function registerSandboxExecuteShape({ harness, capabilities, timeoutMs }: SandboxSuite): void {
  it(
    "execute(id, 'echo hello') resolves with a complete ExecResult",
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const result = await sandbox.execute(id, 'echo hello');
      expectExecResultShape(result);
      if (capabilities.realExecution) {
        expect(result).toMatchObject({ stdout: 'hello\n', stderr: '', exitCode: 0, timedOut: false, truncated: false });
      }
      if (capabilities.argv) expectExecResultShape(await sandbox.execute(id, ['echo', 'hello']));
    },
    timeoutMs,
  );
}

/** What a command really does inside the sandbox: shell, argv, streams, exit codes, cwd, env, stdin. */
export function registerSandboxExecution({ harness, capabilities, timeoutMs }: SandboxSuite): void {
  it(
    'execute(id, string) runs the string with /bin/sh -c, keeping stdout, stderr and the exit code apart',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const result = await sandbox.execute(id, 'echo "$((6 * 7))"; echo to-stderr >&2; exit 3');
      expect(result).toMatchObject({ stdout: '42\n', stderr: 'to-stderr\n', exitCode: 3, timedOut: false });

      const missing = await sandbox.execute(id, 'warden-contract-no-such-command');
      expect(missing.exitCode).toBe(127);

      // Without `stdin` the command must see end of input at once instead of waiting forever.
      const noInput = await sandbox.execute(id, 'cat', { timeoutMs: 10_000 });
      expect(noInput).toMatchObject({ stdout: '', exitCode: 0, timedOut: false });
    },
    timeoutMs,
  );

  if (capabilities.argv) {
    it(
      'execute(id, argv) runs the program without a shell, passing every argument verbatim',
      async () => {
        const { sandbox, create } = await harness();
        const { id } = await create();
        const argv = ['echo', 'two  spaces', '$HOME', '; exit 9', '`id`', '$(id)', "'quoted'", '*'];
        const result = await sandbox.execute(id, argv);
        expect(result).toMatchObject({ stdout: `${argv.slice(1).join(' ')}\n`, exitCode: 0 });

        const failing = await sandbox.execute(id, ['sh', '-c', 'exit 4']);
        expect(failing.exitCode).toBe(4);
      },
      timeoutMs,
    );
  }

  it(
    'execute(id, command, { cwd, env }) runs in cwd with the sandbox env overlaid by the command env',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create({ env: { WARDEN_SANDBOX_VAR: 'from-sandbox', WARDEN_SHARED: 'sandbox' } });
      const result = await sandbox.execute(id, 'pwd; echo "$WARDEN_SANDBOX_VAR|$WARDEN_COMMAND_VAR|$WARDEN_SHARED"', {
        cwd: '/tmp',
        env: { WARDEN_COMMAND_VAR: 'a b; $(id) `id`', WARDEN_SHARED: 'command' },
      });
      expect(result).toMatchObject({ stdout: '/tmp\nfrom-sandbox|a b; $(id) `id`|command\n', exitCode: 0 });
    },
    timeoutMs,
  );

  if (capabilities.stdin) {
    it(
      'execute(id, command, { stdin }) writes stdin to the command and closes it',
      async () => {
        const { sandbox, create } = await harness();
        const { id } = await create();
        const stdin = 'first line\nsecond line with $(id) and `id`\n';
        const result = await sandbox.execute(id, 'cat', { stdin, timeoutMs: 10_000 });
        expect(result).toMatchObject({ stdout: stdin, exitCode: 0, timedOut: false });
      },
      timeoutMs,
    );
  }
}
