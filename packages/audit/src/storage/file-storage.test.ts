import { execFileSync } from 'node:child_process';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogCorruptedError } from '../errors.ts';
import { createFileAuditStorage } from './file-storage.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (record: Uint8Array): string => new TextDecoder().decode(record);

describe('createFileAuditStorage', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-file-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function writeRecords(count: number, segmentMaxBytes = 1 << 20): Promise<void> {
    const storage = createFileAuditStorage({ directory, segmentMaxBytes });
    for (let index = 0; index < count; index += 1) await storage.append([bytes(`record ${index}`)]);
    await storage.close();
  }

  it('append() frames every batch into one reused buffer: batches of falling and rising sizes leave each record as written, after reopening too', async () => {
    const storage = createFileAuditStorage({ directory });
    const written: string[] = [];
    for (const size of [40, 3, 1, 17, 2, 64, 5]) {
      const batch = Array.from(
        { length: size },
        (_, offset) => `batch of ${size}, record ${offset} ${'x'.repeat(offset * 7)}`,
      );
      await storage.append(batch.map(bytes));
      written.push(...batch);
    }
    expect((await storage.read(0, written.length)).map(text)).toEqual(written);
    await storage.close();
    const reopened = createFileAuditStorage({ directory, readOnly: true });
    expect((await reopened.read(0, await reopened.size())).map(text)).toEqual(written);
    await reopened.close();
  });

  it('append() refuses a record larger than a frame holds (16 MiB) with INVALID_INPUT, writes nothing, and keeps working', async () => {
    const storage = createFileAuditStorage({ directory });
    await storage.append([Buffer.from('first')]);
    await expect(
      storage.append([Buffer.from('second'), Buffer.alloc(16 * 1024 * 1024 + 1, 0x61)]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'records.1' })] });
    await storage.append([Buffer.from('third')]);
    await storage.sync();
    await storage.close();
    const reopened = createFileAuditStorage({ directory, readOnly: true });
    expect((await reopened.read(0, await reopened.size())).map((record) => Buffer.from(record).toString())).toEqual([
      'first',
      'third',
    ]);
    await reopened.close();
  });

  it('close() of storage whose directory cannot be opened (a file in its place) resolves; the calls before it throw', async () => {
    const blocked = join(directory, 'entries');
    await writeFile(blocked, 'not a directory');
    const storage = createFileAuditStorage({ directory: blocked });
    await expect(storage.append([bytes('record')])).rejects.toThrow();
    await expect(storage.close()).resolves.toBeUndefined();
    await expect(storage.size()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('a process killed mid-write (torn tail) loses only the unacknowledged record: open() cuts it', async () => {
    await writeRecords(3);
    const [segment] = await readdir(directory);
    const file = join(directory, segment ?? '');
    const intact = (await stat(file)).size;
    // A frame header announcing 100 bytes followed by only 5 of them.
    await appendFile(file, Buffer.concat([Buffer.from([0, 0, 0, 100, 1, 2, 3, 4]), Buffer.from('parti')]));
    const storage = createFileAuditStorage({ directory });
    expect(await storage.open()).toEqual({ file: segment, offset: intact, droppedBytes: 13 });
    expect((await storage.read(0, await storage.size())).map(text)).toEqual(['record 0', 'record 1', 'record 2']);
    expect(await storage.append([bytes('record 3')])).toBe(4);
    await storage.close();
    expect((await stat(file)).size).toBe(intact + 8 + 8);
  });

  it('read-only open skips a torn tail without cutting it', async () => {
    await writeRecords(2);
    const [segment] = await readdir(directory);
    const file = join(directory, segment ?? '');
    await appendFile(file, Buffer.from([0, 0]));
    const before = (await stat(file)).size;
    const storage = createFileAuditStorage({ directory, readOnly: true });
    expect((await storage.open())?.droppedBytes).toBe(2);
    expect(await storage.size()).toBe(2);
    await storage.close();
    expect((await stat(file)).size).toBe(before);
  });

  it('a flipped byte in an acknowledged record (an attacker or a bad disk) is AUDIT_LOG_CORRUPTED naming file and offset', async () => {
    await writeRecords(3);
    const [segment] = await readdir(directory);
    const file = join(directory, segment ?? '');
    const content = await readFile(file);
    content.writeUInt8(content.readUInt8(10) ^ 0xff, 10); // inside the first record's payload
    await writeFile(file, content);
    const error = await createFileAuditStorage({ directory })
      .open()
      .catch((caught: unknown) => caught);
    expect(AuditLogCorruptedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'AUDIT_LOG_CORRUPTED',
      corruption: 'corrupted-record',
      file: segment,
      offset: 0,
    });
  });

  it('a length field altered in the newest segment (an attacker or a bad disk) is AUDIT_LOG_CORRUPTED, never a torn tail that cuts the acknowledged records after it', async () => {
    await writeRecords(4);
    const [segment] = await readdir(directory);
    const file = join(directory, segment ?? '');
    const content = await readFile(file);
    const second = 8 + content.readUInt32BE(0);
    // The second frame now claims to run past the end of the file (as a torn write would), or exactly to it.
    for (const claimed of [content.length, content.length - second - 8]) {
      const altered = Buffer.from(content);
      altered.writeUInt32BE(claimed, second);
      await writeFile(file, altered);
      for (const readOnly of [false, true]) {
        const error = await createFileAuditStorage({ directory, readOnly })
          .open()
          .catch((caught: unknown) => caught);
        expect(AuditLogCorruptedError.isInstance(error), `${claimed} ${readOnly}`).toBe(true);
        expect(error).toMatchObject({ code: 'AUDIT_LOG_CORRUPTED', file: segment, offset: second });
      }
      expect((await stat(file)).size).toBe(content.length);
    }
  });

  it.skipIf(process.platform === 'win32')(
    'a segment that is not a regular file (a FIFO, a directory, a link to a device) is AUDIT_LOG_CORRUPTED, never waited on or read as records',
    async () => {
      await writeRecords(2);
      const [segment = ''] = await readdir(directory);
      const file = join(directory, segment);
      const replacements: Array<[kind: string, make: () => Promise<void>]> = [
        ['directory', () => mkdir(file)],
        ['link to /dev/null', () => symlink('/dev/null', file)],
        [
          'FIFO',
          async () => {
            execFileSync('mkfifo', [file]);
          },
        ],
      ];
      for (const [kind, make] of replacements) {
        await rm(file, { recursive: true, force: true });
        await make();
        for (const readOnly of [false, true]) {
          const error = await createFileAuditStorage({ directory, readOnly })
            .open()
            .catch((caught: unknown) => caught);
          expect(AuditLogCorruptedError.isInstance(error), `${kind} ${readOnly}`).toBe(true);
          expect(error).toMatchObject({ code: 'AUDIT_LOG_CORRUPTED', corruption: 'not-a-file', file: segment });
        }
      }
    },
  );

  it('an older segment cut short is a truncated-file error, a deleted one a missing-segment error', async () => {
    await writeRecords(6, 16);
    const segments = (await readdir(directory)).sort();
    expect(segments.length).toBeGreaterThan(2);
    await truncate(join(directory, segments[0] ?? ''), 5);
    await expect(createFileAuditStorage({ directory }).open()).rejects.toMatchObject({
      code: 'AUDIT_LOG_CORRUPTED',
      corruption: 'truncated-file',
      file: segments[0],
    });
    await rm(directory, { recursive: true, force: true });
    await writeRecords(6, 16);
    await unlink(join(directory, segments[1] ?? ''));
    await expect(createFileAuditStorage({ directory }).open()).rejects.toMatchObject({
      corruption: 'missing-segment',
      file: segments[2],
    });
  });

  it('starts a new segment once the current one is full and reads across them', async () => {
    await writeRecords(10, 40);
    expect((await readdir(directory)).length).toBeGreaterThan(3);
    const storage = createFileAuditStorage({ directory, readOnly: true });
    expect((await storage.read(3, 9)).map(text)).toEqual([3, 4, 5, 6, 7, 8].map((index) => `record ${index}`));
    await expect(storage.append([bytes('x')])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('read() returns a range of 300,000 records from one segment (more than a call can take as arguments)', async () => {
    const storage = createFileAuditStorage({ directory });
    const count = 300_000;
    for (let first = 0; first < count; first += 50_000) {
      await storage.append(Array.from({ length: 50_000 }, (_, offset) => bytes(String(first + offset))));
    }
    const records = await storage.read(0, count);
    expect(records).toHaveLength(count);
    expect([text(records[0] as Uint8Array), text(records[count - 1] as Uint8Array)]).toEqual(['0', String(count - 1)]);
    await storage.close();
  });

  it('rejects an empty directory setting with INVALID_INPUT', () => {
    expect(() => createFileAuditStorage({ directory: '' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
