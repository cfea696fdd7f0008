import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../log/audit-log.ts';
import { sampleEvent } from '../verify/test-support.ts';
import { verifyAuditLog } from '../verify/verifier.ts';
import { createFileAuditStorage } from './file-storage.ts';

// Two appenders on one directory (a second instance of a service, a restart that overlapped the
// old process) would both write entry N: the log then verifies as tampered and refuses to reopen.
describe('one appender per directory', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-lock-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('a second audit log on the same directory refuses to append; the first keeps a log that verifies', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const first = createAuditLog({ directory, signingKey, checkpointIntervalMs: 0 });
    const second = createAuditLog({ directory, signingKey, checkpointIntervalMs: 0 });
    await first.write(sampleEvent(0));
    await expect(second.write(sampleEvent(100))).rejects.toThrow(BackendUnavailableError);
    expect(() => second.assertWritable()).toThrow(BackendUnavailableError);
    await first.write(sampleEvent(1));
    await first.close();
    await second.close();
    const report = await verifyAuditLog({ directory, verifierKey: first.verifierKey });
    expect(report).toMatchObject({ ok: true, size: 2 });
    const third = createAuditLog({ directory, signingKey, checkpointIntervalMs: 0 });
    await third.write(sampleEvent(2));
    expect(await third.size()).toBe(3);
    await third.close();
  });

  it('a second audit log of this process reaching the directory through a symlink refuses too', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const linked = join(directory, 'linked');
    await mkdir(join(directory, 'log'));
    await symlink(join(directory, 'log'), linked);
    const first = createAuditLog({ directory: join(directory, 'log'), signingKey, checkpointIntervalMs: 0 });
    const second = createAuditLog({ directory: linked, signingKey, checkpointIntervalMs: 0 });
    await first.write(sampleEvent(0));
    await expect(second.write(sampleEvent(100))).rejects.toThrow(BackendUnavailableError);
    await first.close();
    await second.close();
  });

  it('of two audit logs of this process opening the directory at once, exactly one appends', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const logs = Array.from({ length: 4 }, () => createAuditLog({ directory, signingKey, checkpointIntervalMs: 0 }));
    const results = await Promise.allSettled(logs.map((log, index) => log.write(sampleEvent(index))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const log of logs) await log.close();
    expect(await verifyAuditLog({ directory, verifierKey: logs[0]?.verifierKey ?? '' })).toMatchObject({
      ok: true,
      size: 1,
    });
  });

  it('a log in another process holds the directory while it runs; once it is killed, the lock is taken over', async () => {
    const seed = randomBytes(32).toString('hex');
    const childScript = fileURLToPath(new URL('../log/crash-child.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', childScript, directory, '0', seed],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ack ')) resolve();
        });
        child.on('exit', () => reject(new Error('the appending child exited before its first write')));
      });
      const signingKey = Buffer.from(seed, 'hex');
      const blocked = createAuditLog({ directory, signingKey, origin: 'warden.test/crash', checkpointIntervalMs: 0 });
      await expect(blocked.write(sampleEvent(0))).rejects.toThrow(BackendUnavailableError);
      await blocked.close();
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const after = createAuditLog({
      directory,
      signingKey: Buffer.from(seed, 'hex'),
      origin: 'warden.test/crash',
      checkpointIntervalMs: 0,
    });
    await expect(after.write(sampleEvent(1))).resolves.toBeUndefined();
    await after.close();
  }, 60_000);

  it('takes over a lock left by a process that is gone, or by an earlier process with this pid', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await mkdir(join(directory, 'entries'));
    await writeFile(join(directory, 'entries', 'LOCK'), `${gone}\n`);
    const storage = createFileAuditStorage({ directory: join(directory, 'entries') });
    await expect(storage.append([new Uint8Array([1])])).resolves.toBe(1);
    await storage.close();
    await writeFile(join(directory, 'entries', 'LOCK'), `${process.pid}\n`);
    const restarted = createFileAuditStorage({ directory: join(directory, 'entries') });
    await expect(restarted.append([new Uint8Array([2])])).resolves.toBe(2);
    await restarted.close();
  });

  it('the read-only verifier neither needs nor takes the lock', async () => {
    const storage = createFileAuditStorage({ directory });
    await storage.append([new Uint8Array([1])]);
    const reader = createFileAuditStorage({ directory, readOnly: true });
    expect(await reader.size()).toBe(1);
    await reader.close();
    await storage.close();
  });
});
