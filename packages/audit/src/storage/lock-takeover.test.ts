import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileAuditStorage } from './file-storage.ts';

// Holds this process's storage just after it read the lock (or the takeover claim) it will judge
// stale, so that another process can take the same stale lock over in between: the moment two
// appenders starting at once after a crash meet.
const pause = vi.hoisted(() => ({
  afterLockRead: undefined as Promise<void> | undefined,
  reached: () => {},
  matches: (path: string): boolean => path.endsWith('LOCK'),
}));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  // The lock code reads a lock or claim file through a handle it opens, reads and closes: the
  // pause comes once that handle is closed, so the content has been read.
  const open = (async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    const path = String(args[0]);
    if (!pause.matches(path)) return handle;
    const close = handle.close.bind(handle);
    Object.assign(handle, {
      close: async () => {
        await close();
        const gate = pause.afterLockRead;
        if (!gate || !pause.matches(path)) return;
        pause.afterLockRead = undefined;
        pause.reached();
        await gate;
      },
    });
    return handle;
  }) as typeof fs.open;
  return { ...fs, open, default: { ...fs, open } };
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
    pause.matches = (path) => path.endsWith('LOCK');
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

  const claimOn = (content: string): string =>
    `LOCK.takeover.${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
  const goneProcess = (): number | undefined => spawnSync(process.execPath, ['-e', '']).pid;
  const lockFiles = async (): Promise<string[]> => (await readdir(directory)).filter((name) => name.startsWith('LOCK'));

  it('a takeover claim left by a claimant killed mid-takeover (its process gone) is cleared like the stale lock: the directory opens, and no lock file is left behind', async () => {
    const stale = `${goneProcess()}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    await writeFile(join(directory, claimOn(stale)), `${goneProcess()} crashed-claimant\n`);
    const storage = createFileAuditStorage({ directory });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    expect(await lockFiles()).toEqual(['LOCK']);
    await storage.close();
    expect(await lockFiles()).toEqual([]);
  });

  it('a claim on a claim, left by a second claimant killed in turn, is cleared the same way', async () => {
    const stale = `${goneProcess()}\n`;
    const firstClaimant = `${goneProcess()} first-claimant\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    await writeFile(join(directory, claimOn(stale)), firstClaimant);
    await writeFile(join(directory, claimOn(firstClaimant)), `${goneProcess()} second-claimant\n`);
    const storage = createFileAuditStorage({ directory });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    await storage.close();
    expect(await lockFiles()).toEqual([]);
  });

  it('a process that judged a takeover claim stale just before another process cleared it and took the lock over refuses, and leaves the new holder its lock', async () => {
    const stale = `${goneProcess()}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    await writeFile(join(directory, claimOn(stale)), `${goneProcess()} crashed-claimant\n`);
    let release = (): void => {};
    pause.matches = (path) => path.includes('.takeover.');
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
      const third = createFileAuditStorage({ directory });
      await expect(third.append([new Uint8Array([2])])).rejects.toThrow(/process \d+ appends to/);
      await third.close();
      expect(await lockFiles()).toEqual(['LOCK']);
    } finally {
      release();
      await holder.stop();
      await late.close();
    }
  }, 60_000);

  it('a takeover claim whose claimant still runs is refused with a message naming both files, and left alone', async () => {
    const stale = `${goneProcess()}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    const claimant = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => claimant.on('exit', resolve));
    try {
      const claim = claimOn(stale);
      await writeFile(join(directory, claim), `${claimant.pid} live-claimant\n`);
      const blocked = createFileAuditStorage({ directory });
      const error = await blocked.append([new Uint8Array([1])]).catch((caught: unknown) => caught);
      expect(BackendUnavailableError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(claim);
      expect((error as Error).message).toContain(String(claimant.pid));
      await blocked.close();
      expect((await lockFiles()).sort()).toEqual(['LOCK', claim]);
      expect(await readFile(join(directory, 'LOCK'), 'utf8')).toBe(stale);
    } finally {
      claimant.kill('SIGKILL');
      await exited;
    }
  });

  it('of several appenders meeting a stale lock and a stale claim at once, exactly one appends (every round)', async () => {
    const [holder, claimant] = [goneProcess(), goneProcess()];
    for (let round = 0; round < 10; round += 1) {
      await rm(directory, { recursive: true, force: true });
      await mkdir(directory);
      const stale = `${holder} round-${round}\n`;
      await writeFile(join(directory, 'LOCK'), stale);
      await writeFile(join(directory, claimOn(stale)), `${claimant} crashed-claimant\n`);
      const storages = Array.from({ length: 4 }, () => createFileAuditStorage({ directory }));
      const results = await Promise.allSettled(storages.map((storage) => storage.append([new Uint8Array([1])])));
      const appended = results.filter((result) => result.status === 'fulfilled');
      expect(appended, `round ${round}`).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(BackendUnavailableError.isInstance(result.reason)).toBe(true);
      }
      await Promise.all(storages.map((storage) => storage.close()));
      expect(await lockFiles(), `round ${round}`).toEqual([]);
    }
  }, 60_000);
});
