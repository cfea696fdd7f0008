import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogCorruptedError } from '../errors.ts';
import { createAuditLog } from '../log/audit-log.ts';
import { sampleEvent } from '../verify/test-support.ts';
import { verifyAuditLog } from '../verify/verifier.ts';
import { createFileAuditStorage } from './file-storage.ts';

// The attacker can write the log's directory (or a fault left it so) and puts something that is not
// a directory where `entries/` or `checkpoints/` should be, before the log opens or while it runs.
// Every path meets it as AUDIT_LOG_CORRUPTED (`not-a-directory`, or for the appender's write a
// BACKEND_UNAVAILABLE caused by it), never an untyped system error, and nothing written is lost.

/** What an attacker puts in place of a directory; each returns a check that it was left untouched. */
const impostors: Record<string, (path: string, scratch: string) => Promise<() => Promise<void>>> = {
  'a regular file': async (path) => {
    await writeFile(path, 'precious');
    return async () => expect(await readFile(path, 'utf8')).toBe('precious');
  },
  'a symlink to a file': async (path, scratch) => {
    await writeFile(join(scratch, 'target'), 'precious');
    await symlink(join(scratch, 'target'), path);
    return async () => expect(await readFile(path, 'utf8')).toBe('precious');
  },
  'a dangling symlink': async (path, scratch) => {
    await symlink(join(scratch, 'nowhere'), path);
    return async () => {
      expect((await lstat(path)).isSymbolicLink()).toBe(true);
      await expect(lstat(join(scratch, 'nowhere'))).rejects.toThrow(/ENOENT/);
    };
  },
  'a symlink to itself': async (path) => {
    await symlink(path, path);
    return async () => expect((await lstat(path)).isSymbolicLink()).toBe(true);
  },
  'a FIFO': async (path) => {
    execFileSync('mkfifo', [path]);
    return async () => expect((await lstat(path)).isFIFO()).toBe(true);
  },
};

const notADirectory = (error: unknown): void => {
  expect(AuditLogCorruptedError.isInstance(error), String(error)).toBe(true);
  expect(error).toMatchObject({ code: 'AUDIT_LOG_CORRUPTED', corruption: 'not-a-directory' });
};

describe('a storage directory replaced by something that is not a directory', () => {
  let directory: string;
  let scratch: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-wrong-type-'));
    scratch = await mkdtemp(join(tmpdir(), 'warden-audit-wrong-type-scratch-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  for (const [kind, plant] of Object.entries(impostors)) {
    it(`append() with ${kind} as entries/ is AUDIT_LOG_CORRUPTED (not-a-directory), and the impostor is left as it was`, async () => {
      const untouched = await plant(join(directory, 'entries'), scratch);
      const storage = createFileAuditStorage({ directory: join(directory, 'entries') });
      notADirectory(await storage.append([new Uint8Array([1])]).catch((error: unknown) => error));
      await storage.close();
      await untouched();
    }, 30_000);

    it(`an audit log with ${kind} as entries/ refuses writes, telling onFailure the typed cause`, async () => {
      const untouched = await plant(join(directory, 'entries'), scratch);
      const failures: unknown[] = [];
      const log = createAuditLog({
        directory,
        signingKey: generateKeyPairSync('ed25519').privateKey,
        checkpointIntervalMs: 0,
        onFailure: ({ error }) => failures.push(error),
      });
      const refusal = await log.write(sampleEvent(0)).catch((error: unknown) => error);
      expect(BackendUnavailableError.isInstance(refusal)).toBe(true);
      notADirectory((refusal as Error).cause);
      await log.close();
      expect(failures.length).toBeGreaterThan(0);
      notADirectory(failures[0]);
      await untouched();
    }, 30_000);

    it(`verifyAuditLog() with ${kind} as checkpoints/ is AUDIT_LOG_CORRUPTED (not-a-directory), never a log without checkpoints`, async () => {
      const log = createAuditLog({
        directory,
        signingKey: generateKeyPairSync('ed25519').privateKey,
        checkpointIntervalMs: 0,
      });
      await log.write(sampleEvent(0));
      await log.close();
      await rename(join(directory, 'checkpoints'), join(scratch, 'checkpoints'));
      const untouched = await plant(join(directory, 'checkpoints'), scratch);
      notADirectory(await verifyAuditLog({ directory, verifierKey: log.verifierKey }).catch((error: unknown) => error));
      await untouched();
    }, 30_000);

    it(`entries/ replaced by ${kind} while the storage is open: read() is AUDIT_LOG_CORRUPTED, append() BACKEND_UNAVAILABLE with that cause, and every acknowledged record survives`, async () => {
      const entries = join(directory, 'entries');
      const storage = createFileAuditStorage({ directory: entries, segmentMaxBytes: 8 });
      await storage.append([new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1])]);
      await storage.sync();
      await rename(entries, join(scratch, 'entries'));
      const untouched = await plant(entries, scratch);
      const readError = await storage.read(0, 1).catch((error: unknown) => error);
      expect(AuditLogCorruptedError.isInstance(readError), String(readError)).toBe(true);
      // The segment is full: the append starts a new one, in the directory that is no longer one.
      const appendError = await storage.append([new Uint8Array([2])]).catch((error: unknown) => error);
      expect(BackendUnavailableError.isInstance(appendError)).toBe(true);
      expect(AuditLogCorruptedError.isInstance((appendError as Error).cause), String(appendError)).toBe(true);
      await storage.close();
      await untouched();
      await rm(entries, { force: true });
      await rename(join(scratch, 'entries'), entries);
      const reopened = createFileAuditStorage({ directory: entries });
      expect(await reopened.read(0, await reopened.size())).toEqual([new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1])]);
      await reopened.close();
    }, 30_000);
  }

  it('a read-only open of a directory that does not exist yet is still an empty storage', async () => {
    const storage = createFileAuditStorage({ directory: join(directory, 'missing'), readOnly: true });
    expect(await storage.size()).toBe(0);
    await storage.close();
    await mkdir(join(directory, 'made'));
  });
});
