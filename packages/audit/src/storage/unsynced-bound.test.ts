import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileAuditStorage } from './file-storage.ts';
import { MAX_UNSYNCED_BYTES } from './segment-format.ts';

// Watches the segment files' writes and fdatasyncs (the platform, not the storage): the most bytes
// that were ever written and not yet covered by a completed fdatasync.
const watch = vi.hoisted(() => ({ written: 0, durable: 0, mostUnsynced: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    if (!String(args[0]).endsWith('.seg')) return handle;
    const write = handle.write.bind(handle) as (...writeArgs: unknown[]) => Promise<{ bytesWritten: number }>;
    const datasync = handle.datasync.bind(handle);
    Object.assign(handle, {
      write: async (...writeArgs: unknown[]) => {
        const result = await write(...writeArgs);
        watch.written += result.bytesWritten;
        watch.mostUnsynced = Math.max(watch.mostUnsynced, watch.written - watch.durable);
        return result;
      },
      datasync: async () => {
        const covered = watch.written;
        await datasync();
        watch.durable = Math.max(watch.durable, covered);
      },
    });
    return handle;
  }) as typeof fs.open;
  return { ...fs, open, default: { ...fs, open } };
});

describe('the file storage bounds what a crash can tear', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-unsynced-'));
    Object.assign(watch, { written: 0, durable: 0, mostUnsynced: 0 });
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it(`never has more than ${MAX_UNSYNCED_BYTES} bytes written and not yet synced (a crash tears no longer a tail), with batches larger than that or appended without sync()`, async () => {
    const storage = createFileAuditStorage({ directory, segmentMaxBytes: 1024 ** 3 });
    const record = (fill: number): Uint8Array => new Uint8Array(16 * 1024 * 1024).fill(fill);
    // One batch larger than the bound, then batches appended without a sync between them.
    await storage.append([record(1), record(2), record(3), record(4), record(5)]);
    await storage.append([record(6), record(7), record(8)]);
    await storage.append([record(9), record(10)]);
    await storage.sync();
    expect(watch.written).toBeGreaterThan(2 * MAX_UNSYNCED_BYTES);
    expect(watch.mostUnsynced).toBeLessThanOrEqual(MAX_UNSYNCED_BYTES);
    expect((await storage.read(4, 6)).map((read) => [read.length, read[0]])).toEqual([
      [16 * 1024 * 1024, 5],
      [16 * 1024 * 1024, 6],
    ]);
    await storage.close();
    const reopened = createFileAuditStorage({ directory, readOnly: true });
    expect(await reopened.size()).toBe(10);
    await reopened.close();
  }, 120_000);
});
