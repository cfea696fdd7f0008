import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileAuditStorage } from './file-storage.ts';

// Holds this process's storage just after it read the lock it will judge stale, so that another
// process can take the same stale lock over in between: the moment two appenders starting at once
// after a crash meet.
const pause = vi.hoisted(() => ({ afterLockRead: undefined as Promise<void> | undefined, reached: () => {} }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (...args: Parameters<typeof fs.readFile>) => {
    const text = await fs.readFile(...args);
    const gate = pause.afterLockRead;
    if (gate && String(args[0]).endsWith('LOCK')) {
      pause.afterLockRead = undefined;
      pause.reached();
      await gate;
    }
    return text;
  }) as typeof fs.readFile;
  return { ...fs, readFile, default: { ...fs, readFile } };
});

/** Starts a process that takes the storage's lock; resolves once it holds it. */
function startHolder(directory: string): { held: Promise<void>; stop: () => Promise<void> } {
  const childScript = fileURLToPath(new URL('./lock-holder-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=warden-source', childScript, directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const held = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) resolve();
    });
    child.on('exit', () => reject(new Error('the holding process exited before it held the lock')));
  });
  return {
    held,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('taking over a stale lock', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-takeover-'));
  });
  afterEach(async () => {
    pause.afterLockRead = undefined;
    await rm(directory, { recursive: true, force: true });
  });

  it('a process that judged a lock stale just before another took it over refuses, and leaves the new holder its lock (two appenders starting at once after a crash)', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(directory, 'LOCK'), `${gone}\n`);
    let release = (): void => {};
    pause.afterLockRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reachedPause = new Promise<void>((resolve) => {
      pause.reached = resolve;
    });
    const late = createFileAuditStorage({ directory });
    const lateAppend = late.append([new Uint8Array([1])]);
    lateAppend.catch(() => {});
    await reachedPause;
    const holder = startHolder(directory);
    try {
      await holder.held;
      release();
      await expect(lateAppend).rejects.toThrow(BackendUnavailableError);
      // The holder's lock is still in place: a third appender is refused too.
      const third = createFileAuditStorage({ directory });
      await expect(third.append([new Uint8Array([2])])).rejects.toThrow(BackendUnavailableError);
      await third.close();
    } finally {
      release();
      await holder.stop();
      await late.close();
    }
  }, 60_000);

  it('a takeover claim left by a claimant that crashed fails closed with a message naming both files; removing them opens the directory', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = `${gone}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    const claim = `LOCK.takeover.${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
    await writeFile(join(directory, claim), `${gone} crashed-claimant\n`);
    const blocked = createFileAuditStorage({ directory });
    const error = await blocked.append([new Uint8Array([1])]).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(claim);
    await blocked.close();
    await rm(join(directory, 'LOCK'));
    await rm(join(directory, claim));
    const reopened = createFileAuditStorage({ directory });
    await expect(reopened.append([new Uint8Array([1])])).resolves.toBe(1);
    await reopened.close();
    expect((await readdir(directory)).filter((name) => name.startsWith('LOCK'))).toEqual([]);
  });
});
