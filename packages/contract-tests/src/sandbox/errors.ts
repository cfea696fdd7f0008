import type { Sandbox } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { type SandboxSuite, sandboxIds } from './harness.js';

/** Constraints every backend must refuse with `INVALID_INPUT` before creating anything. */
const INVALID_CONSTRAINTS: ReadonlyArray<readonly [string, unknown]> = [
  ['maxMemoryMb: -1', { maxMemoryMb: -1 }],
  ['maxMemoryMb: NaN', { maxMemoryMb: Number.NaN }],
  ['maxCpuPercent: 0', { maxCpuPercent: 0 }],
  ['maxPids: 1.5', { maxPids: 1.5 }],
  ['timeoutMs: Infinity', { timeoutMs: Number.POSITIVE_INFINITY }],
  ["networkPolicy: 'internet'", { networkPolicy: 'internet' }],
  ["allowedPaths: ['relative/path']", { allowedPaths: ['relative/path'] }],
  ["writablePaths: ['/tmp/../etc']", { writablePaths: ['/tmp/../etc'] }],
  ["env: { 'BAD NAME': 'x' }", { env: { 'BAD NAME': 'x' } }],
  ['env value with a NUL byte', { env: { WARDEN_OK: 'a\0b' } }],
  ['an unknown field (privileged: true)', { privileged: true }],
  ['null', null],
  ['a string', 'large'],
];

/** Commands every backend must refuse with `INVALID_INPUT` before running anything. */
const INVALID_COMMANDS: ReadonlyArray<readonly [string, unknown]> = [
  ["''", ''],
  ['[]', []],
  ["['']", ['']],
  ['a string with a NUL byte', 'echo a\0b'],
  ['an argv entry with a NUL byte', ['echo', 'a\0b']],
  ['a number', 42],
  ['null', null],
  ['an object', { command: 'echo' }],
];

/** Execute options every backend must refuse with `INVALID_INPUT` before running anything. */
const INVALID_EXEC_OPTIONS: ReadonlyArray<readonly [string, unknown]> = [
  ['timeoutMs: 0', { timeoutMs: 0 }],
  ['timeoutMs: -5', { timeoutMs: -5 }],
  ["cwd: 'tmp'", { cwd: 'tmp' }],
  ["cwd: '/tmp/../etc'", { cwd: '/tmp/../etc' }],
  ["env: { '1X': 'y' }", { env: { '1X': 'y' } }],
  ['maxOutputBytes: 0', { maxOutputBytes: 0 }],
  ['stdin: 42', { stdin: 42 }],
  ['signal: {}', { signal: {} }],
  ['an unknown option (shell: true)', { shell: true }],
];

const UNKNOWN_ID = 'warden-contract-unknown-sandbox-0123456789abcdef';

/** Reaches methods with inputs their types forbid, the way untrusted callers do. */
function untyped(sandbox: Sandbox): Record<'create' | 'execute', (...args: unknown[]) => Promise<unknown>> {
  return sandbox as unknown as Record<'create' | 'execute', (...args: unknown[]) => Promise<unknown>>;
}

/** Unknown ids, invalid constraints, commands and options. */
export function registerSandboxErrors({ harness, timeoutMs }: SandboxSuite): void {
  it(
    'getStatus(id) and execute(id, command) of an unknown id throw SandboxNotFoundError; destroy(id) resolves',
    async () => {
      const { sandbox } = await harness();
      await expectWardenError(() => sandbox.getStatus(UNKNOWN_ID), 'SANDBOX_NOT_FOUND', 'getStatus');
      await expectWardenError(() => sandbox.execute(UNKNOWN_ID, 'true'), 'SANDBOX_NOT_FOUND', 'execute');
      await expect(sandbox.destroy(UNKNOWN_ID)).resolves.toBeUndefined();
    },
    timeoutMs,
  );

  it(
    "getStatus(''), execute('', command) and destroy('') throw INVALID_INPUT",
    async () => {
      const { sandbox } = await harness();
      await expectWardenError(() => sandbox.getStatus(''), 'INVALID_INPUT', 'getStatus');
      await expectWardenError(() => sandbox.execute('', 'true'), 'INVALID_INPUT', 'execute');
      await expectWardenError(() => sandbox.destroy(''), 'INVALID_INPUT', 'destroy');
      await expectWardenError(() => sandbox.getStatus('has a space'), 'INVALID_INPUT', 'getStatus with a space');
    },
    timeoutMs,
  );

  it(
    'create(constraints) with invalid constraints throws INVALID_INPUT and creates nothing',
    async () => {
      const { sandbox } = await harness();
      const before = sandboxIds(await sandbox.list());
      for (const [label, constraints] of INVALID_CONSTRAINTS) {
        await expectWardenError(() => untyped(sandbox).create(constraints), 'INVALID_INPUT', label);
      }
      expect(sandboxIds(await sandbox.list())).toEqual(before);
    },
    timeoutMs,
  );

  it(
    'execute(id, command, options) with an invalid command or options throws INVALID_INPUT',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      for (const [label, command] of INVALID_COMMANDS) {
        await expectWardenError(() => untyped(sandbox).execute(id, command), 'INVALID_INPUT', label);
      }
      for (const [label, options] of INVALID_EXEC_OPTIONS) {
        await expectWardenError(() => untyped(sandbox).execute(id, 'true', options), 'INVALID_INPUT', label);
      }
      expect((await sandbox.getStatus(id)).state).toBe('running');
    },
    timeoutMs,
  );
}
