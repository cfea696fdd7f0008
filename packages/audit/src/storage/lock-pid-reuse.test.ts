import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileAuditStorage } from './file-storage.ts';

// The attacker here is a fault: an appender killed, the machine rebooted (or pids wrapped), and the
// crashed appender's pid now belongs to somebody else's process. Judged by its pid alone, the lock
// it left stays live for as long as that process runs, and no appender ever opens the log again.

/** Field 22 of /proc/<pid>/stat, read here independently of the code under test. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return (
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[19] ?? ''
  );
}
const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const otherBootId = (): string => (bootId().startsWith('0') ? '1' : '0') + bootId().slice(1);

describe.runIf(existsSync('/proc/self/stat'))('a lock or claim naming a pid that another process now has', () => {
  let directory: string;
  let bystander: ChildProcess;
  let bystanderExited: Promise<unknown>;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-pid-reuse-'));
    // Somebody else's process that has the crashed appender's pid.
    bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    bystanderExited = new Promise((resolve) => bystander.on('exit', resolve));
    await new Promise((resolve) => bystander.on('spawn', resolve));
  });
  afterEach(async () => {
    bystander.kill('SIGKILL');
    await bystanderExited;
    await rm(directory, { recursive: true, force: true });
  });

  const pid = (): number => bystander.pid ?? -1;
  const claimOn = (content: string): string =>
    `LOCK.takeover.${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
  const lockFiles = async (): Promise<string[]> => (await readdir(directory)).filter((name) => name.startsWith('LOCK'));

  it('a LOCK naming a running process with another start time (its pid reused) is taken over', async () => {
    const wrongStart = String(Number(startTicks(pid())) + 1);
    await writeFile(join(directory, 'LOCK'), `${pid()} crashed-appender start=${wrongStart} boot=${bootId()}\n`);
    const storage = createFileAuditStorage({ directory });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    expect(await readFile(join(directory, 'LOCK'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    await storage.close();
    expect(await lockFiles()).toEqual([]);
  });

  it('a LOCK written in an earlier boot is taken over even when its pid and start time match a running process', async () => {
    await writeFile(
      join(directory, 'LOCK'),
      `${pid()} crashed-appender start=${startTicks(pid())} boot=${otherBootId()}\n`,
    );
    const storage = createFileAuditStorage({ directory });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    await storage.close();
  });

  it('a takeover claim naming a running process with another start time (a claimant killed, its pid reused) is cleared, and the directory opens', async () => {
    const stale = `${pid()} crashed-appender start=0 boot=${bootId()}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    const wrongStart = String(Number(startTicks(pid())) + 1);
    await writeFile(
      join(directory, claimOn(stale)),
      `${pid()} crashed-claimant start=${wrongStart} boot=${bootId()}\n`,
    );
    const storage = createFileAuditStorage({ directory });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    expect(await lockFiles()).toEqual(['LOCK']);
    await storage.close();
    expect(await lockFiles()).toEqual([]);
  });

  it('a takeover claim naming the running process exactly (pid, start time, boot) is refused and left alone', async () => {
    const stale = `${pid()} crashed-appender start=0 boot=${bootId()}\n`;
    await writeFile(join(directory, 'LOCK'), stale);
    const claim = claimOn(stale);
    await writeFile(join(directory, claim), `${pid()} live-claimant start=${startTicks(pid())} boot=${bootId()}\n`);
    const blocked = createFileAuditStorage({ directory });
    const error = await blocked.append([new Uint8Array([1])]).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(claim);
    await blocked.close();
    expect((await lockFiles()).sort()).toEqual(['LOCK', claim]);
  });

  it('a LOCK in the older form (pid and token only) naming a running process is still respected', async () => {
    await writeFile(join(directory, 'LOCK'), `${pid()} older-appender\n`);
    const blocked = createFileAuditStorage({ directory });
    await expect(blocked.append([new Uint8Array([1])])).rejects.toThrow(/process \d+ appends to/);
    await blocked.close();
  });

  it('the LOCK of a genuinely live appender names its instance and is respected', async () => {
    const childScript = fileURLToPath(new URL('./lock-holder-child.ts', import.meta.url));
    const holder = spawn(process.execPath, ['--import', 'tsx', '--conditions=warden-source', childScript, directory], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('held')) resolve();
        });
        holder.on('exit', () => reject(new Error('the holding process exited before it held the lock')));
      });
      const lock = await readFile(join(directory, 'LOCK'), 'utf8');
      expect(lock).toBe(`${holder.pid} ${lock.split(' ')[1]} start=${startTicks(holder.pid ?? -1)} boot=${bootId()}\n`);
      const blocked = createFileAuditStorage({ directory });
      await expect(blocked.append([new Uint8Array([1])])).rejects.toThrow(/process \d+ appends to/);
      await blocked.close();
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});
