import { DEFAULT_MAX_OUTPUT_BYTES, type Sandbox } from '@warden/core';
import { expect, it } from 'vitest';
import type { SandboxSuite } from './harness.js';

/**
 * For a backend that runs nothing (`realExecution: false`): makes every later `execute` in
 * `subject` answer with this output, as the backend's scripting lets a test do.
 */
export type ScriptSandboxOutput = (
  subject: Sandbox,
  output: { stdout: string; stderr: string },
) => void | Promise<void>;

/** The output cap, applied to scripted output exactly as to real output. */
export function registerSandboxScriptedOutput(
  { harness, timeoutMs }: SandboxSuite,
  scriptOutput: ScriptSandboxOutput,
): void {
  it(
    'execute(id, command, { maxOutputBytes }) caps scripted output per stream and reports truncated',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await scriptOutput(sandbox, { stdout: 'a\n'.repeat(2_500), stderr: 'b\n'.repeat(2_500) });
      const result = await sandbox.execute(id, 'echo scripted', { maxOutputBytes: 1_000 });
      expect(result.truncated).toBe(true);
      expect(result.stdout).toBe('a\n'.repeat(500));
      expect(result.stderr).toBe('b\n'.repeat(500));
    },
    timeoutMs,
  );

  it(
    'execute(id, command, { maxOutputBytes }) keeps output of exactly maxOutputBytes whole and not truncated',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await scriptOutput(sandbox, { stdout: 'x'.repeat(1_000), stderr: 'y'.repeat(999) });
      const result = await sandbox.execute(id, 'echo scripted', { maxOutputBytes: 1_000 });
      expect(result).toMatchObject({ stdout: 'x'.repeat(1_000), stderr: 'y'.repeat(999), truncated: false });
      // Scripted output alone answers as a command that completed: exit code 0, not timed out.
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    },
    timeoutMs,
  );

  it(
    'execute(id, command, { maxOutputBytes }) caps one stream alone and counts bytes, not characters, never splitting one',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await scriptOutput(sandbox, { stdout: 'short\n', stderr: '€'.repeat(400) });
      const result = await sandbox.execute(id, 'echo scripted', { maxOutputBytes: 1_000 });
      expect(result.truncated).toBe(true);
      expect(result.stdout).toBe('short\n');
      // '€' is three bytes in UTF-8: 333 whole characters fit in 1,000 bytes.
      expect(result.stderr).toBe('€'.repeat(333));
    },
    timeoutMs,
  );

  it(
    'execute(id, command) without maxOutputBytes caps scripted output at the default 1 MiB',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await scriptOutput(sandbox, { stdout: 'z'.repeat(DEFAULT_MAX_OUTPUT_BYTES + 10), stderr: '' });
      const result = await sandbox.execute(id, 'echo scripted');
      expect(result.truncated).toBe(true);
      expect(result.stdout.length).toBe(DEFAULT_MAX_OUTPUT_BYTES);
      expect(result.stderr).toBe('');
    },
    timeoutMs,
  );
}
