import { expect, it } from 'vitest';
import { expectRunningStatus } from './basic.js';
import { type SandboxSuite, sandboxIds } from './harness.js';

/** Concurrent calls on one backend and isolation between sandboxes. */
export function registerSandboxConcurrency({ harness, capabilities, timeoutMs }: SandboxSuite): void {
  it(
    'create() called concurrently returns distinct running sandboxes',
    async () => {
      const { sandbox, create } = await harness();
      const statuses = await Promise.all([create(), create(), create()]);
      for (const status of statuses) expectRunningStatus(status);
      const ids = statuses.map((status) => status.id);
      expect(new Set(ids).size).toBe(3);
      const listed = sandboxIds(await sandbox.list());
      for (const id of ids) expect(listed).toContain(id);
    },
    timeoutMs,
  );

  it(
    'destroy(id) called concurrently resolves every call',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await expect(Promise.all([sandbox.destroy(id), sandbox.destroy(id), sandbox.destroy(id)])).resolves.toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(sandboxIds(await sandbox.list())).not.toContain(id);
    },
    timeoutMs,
  );

  if (!capabilities.realExecution) return;

  it(
    'execute(id, command) called concurrently in one sandbox keeps each result apart',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      const numbers = [1, 2, 3, 4, 5];
      const results = await Promise.all(
        numbers.map((number) => sandbox.execute(id, `echo out-${number}; echo err-${number} >&2; exit ${number}`)),
      );
      results.forEach((result, index) => {
        const number = numbers[index];
        expect(result).toMatchObject({ stdout: `out-${number}\n`, stderr: `err-${number}\n`, exitCode: number });
      });
    },
    timeoutMs,
  );

  it(
    'execute(id, command) does not see files written in another sandbox',
    async () => {
      const { sandbox, create } = await harness();
      const [first, second] = await Promise.all([create(), create()]);
      const marker = '/tmp/warden-contract-isolation';
      const written = await sandbox.execute(first.id, `echo mine > ${marker} && cat ${marker}`);
      expect(written).toMatchObject({ stdout: 'mine\n', exitCode: 0 });
      const other = await sandbox.execute(second.id, `test -e ${marker}`);
      expect(other.exitCode).toBe(1);
    },
    timeoutMs,
  );
}
