// Attacks on the segment files by whoever can write the log's directory, and faults that look
// like them: a power cut that leaves a zero-filled tail, a segment swapped for a FIFO while the log
// is open, a sparse segment that claims gigabytes.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync as closeFileSync, constants, openSync as openFileSync } from 'node:fs';
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
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogCorruptedError } from '../errors.ts';
import { createFileAuditStorage } from './file-storage.ts';
import { encodeFrames, intactFrameMayFollow, MAX_UNSYNCED_BYTES, scanSegment } from './segment-format.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (record: Uint8Array): string => new TextDecoder().decode(record);
const unix = process.platform !== 'win32';
/** Guards a call that the old code never returned from; far longer than any open takes on a loaded machine. */
const HANG_GUARD_MS = 20_000;

/**
 * What `operation` settles with, or `'hung'` when it has not settled within the guard. A call
 * stuck opening the FIFO at `fifo` is then released (a reader or writer opened at the other end)
 * so that the test process can end.
 */
async function settled(operation: Promise<unknown>, fifo: string): Promise<unknown> {
  const outcome = operation.then(
    (value: unknown) => value,
    (error: unknown) => error,
  );
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), HANG_GUARD_MS);
  });
  const result = await Promise.race([outcome, guard]);
  clearTimeout(timer);
  if (result === 'hung') {
    for (const flags of [constants.O_WRONLY | constants.O_NONBLOCK, constants.O_RDONLY | constants.O_NONBLOCK]) {
      try {
        closeFileSync(openFileSync(fifo, flags));
      } catch {
        // No one waits at this end.
      }
    }
    await outcome;
  }
  return result;
}

/** Samples the bytes held in ArrayBuffers while `operation` runs; resolves with the most seen above the start. */
async function peakBufferGrowth(operation: () => Promise<unknown>): Promise<{ outcome: unknown; growth: number }> {
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 1);
  try {
    const outcome = await operation().catch((error: unknown) => error);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    return { outcome, growth: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

describe('hostile segment files', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-hostile-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** Writes `record 0` … (eight-byte payloads: a frame of them is as long as two empty frames). */
  async function writeRecords(count: number, segmentMaxBytes = 1 << 20): Promise<string[]> {
    const storage = createFileAuditStorage({ directory, segmentMaxBytes });
    for (let index = 0; index < count; index += 1) await storage.append([bytes(`record ${index}`)]);
    await storage.close();
    return (await readdir(directory)).filter((name) => name.endsWith('.seg')).sort();
  }

  async function openError(readOnly: boolean): Promise<unknown> {
    return createFileAuditStorage({ directory, readOnly })
      .open()
      .catch((caught: unknown) => caught);
  }

  describe('zero bytes (a power cut that extended the file but not its data, or an attacker)', () => {
    it('an all-zero frame never checks out as a record', () => {
      for (const length of [8, 16, 4096]) {
        const scan = scanSegment(Buffer.alloc(length));
        expect(scan.offsets, `${length}`).toEqual([]);
        expect(scan.damage?.offset).toBe(0);
      }
    });

    it('the frame checksum is seeded: an empty record is intact only with its seeded checksum, also after a damaged frame', () => {
      const empty = encodeFrames([new TextEncoder().encode('')]);
      expect(empty.readUInt32BE(4)).toBe(crc32(Buffer.alloc(4), crc32('warden-audit-frame')));
      expect(scanSegment(empty).offsets).toEqual([0]);
      // A damaged frame whose claimed length runs to the end, hiding an intact empty record after it.
      const damaged = Buffer.concat([Buffer.from([0, 0, 0, 20, 9, 9, 9, 9]), Buffer.from('abcd'), empty]);
      expect(intactFrameMayFollow(damaged, 0)).toBe(true);
      expect(intactFrameMayFollow(Buffer.concat([damaged.subarray(0, 12), Buffer.alloc(8)]), 0)).toBe(false);
    });

    it('zeros appended to the newest segment are a torn tail: never read as records, cut by the appender, skipped and reported by a reader', async () => {
      for (const zeros of [7, 8, 16, 4096, 1 << 20]) {
        await rm(directory, { recursive: true, force: true });
        const [segment = ''] = await writeRecords(3);
        const file = join(directory, segment);
        const intact = (await stat(file)).size;
        await appendFile(file, Buffer.alloc(zeros));
        const reader = createFileAuditStorage({ directory, readOnly: true });
        expect(await reader.open(), `${zeros}`).toEqual({ file: segment, offset: intact, droppedBytes: zeros });
        expect((await reader.read(0, await reader.size())).map(text)).toEqual(['record 0', 'record 1', 'record 2']);
        await reader.close();
        expect((await stat(file)).size).toBe(intact + zeros);
        const appender = createFileAuditStorage({ directory });
        expect(await appender.open()).toEqual({ file: segment, offset: intact, droppedBytes: zeros });
        expect(await appender.append([bytes('record 3')])).toBe(4);
        expect((await appender.read(0, 4)).map(text)).toEqual(['record 0', 'record 1', 'record 2', 'record 3']);
        await appender.close();
      }
    });

    it('a record torn by a power cut (its frame partly written, the rest of the file zeros) is a torn tail', async () => {
      const [segment = ''] = await writeRecords(2);
      const file = join(directory, segment);
      const intact = (await stat(file)).size;
      // The header of a 100-byte record and 5 bytes of it, then the zeros of pages never written.
      await appendFile(file, Buffer.concat([Buffer.from([0, 0, 0, 100, 1, 2, 3, 4]), Buffer.from('parti')]));
      await appendFile(file, Buffer.alloc(8192));
      const appender = createFileAuditStorage({ directory });
      expect(await appender.open()).toEqual({ file: segment, offset: intact, droppedBytes: 13 + 8192 });
      expect(await appender.size()).toBe(2);
      await appender.close();
    });

    it('zeros over a record in the middle of the newest segment are AUDIT_LOG_CORRUPTED naming file and offset, never empty records, never cut', async () => {
      const [segment = ''] = await writeRecords(4);
      const file = join(directory, segment);
      const content = await readFile(file);
      const second = scanSegment(content).offsets[1] ?? 0;
      content.fill(0, second, second + 16);
      await writeFile(file, content);
      for (const readOnly of [false, true]) {
        const error = await openError(readOnly);
        expect(AuditLogCorruptedError.isInstance(error), `${readOnly}`).toBe(true);
        expect(error).toMatchObject({ corruption: 'corrupted-record', file: segment, offset: second });
      }
      expect((await stat(file)).size).toBe(content.length);
    });

    it('zeros appended to an older segment are AUDIT_LOG_CORRUPTED naming that segment and where the zeros start', async () => {
      const segments = await writeRecords(6, 16);
      expect(segments.length).toBeGreaterThan(2);
      const older = segments[0] ?? '';
      const file = join(directory, older);
      const intact = (await stat(file)).size;
      await appendFile(file, Buffer.alloc(64));
      for (const readOnly of [false, true]) {
        expect(await openError(readOnly)).toMatchObject({
          code: 'AUDIT_LOG_CORRUPTED',
          corruption: 'corrupted-record',
          file: older,
          offset: intact,
        });
      }
    });
  });

  describe.skipIf(!unix)('a segment replaced while the log is open', () => {
    it('a segment swapped for a FIFO after opening is not-a-file when read, never waited on', async () => {
      const [segment = ''] = await writeRecords(3);
      const file = join(directory, segment);
      const reader = createFileAuditStorage({ directory, readOnly: true });
      await reader.open();
      await rm(file);
      execFileSync('mkfifo', [file]);
      const outcome = await settled(reader.read(0, 3), file);
      expect(outcome).toMatchObject({ code: 'AUDIT_LOG_CORRUPTED', corruption: 'not-a-file', file: segment });
      await reader.close();
    }, 60_000);

    it('a segment swapped after opening for a link to /dev/zero, a directory or another file is AUDIT_LOG_CORRUPTED when read, never read as records', async () => {
      const [segment = ''] = await writeRecords(3);
      const file = join(directory, segment);
      const original = await readFile(file);
      const forged = Buffer.alloc(original.length, 0x41);
      const replacements: Array<[kind: string, make: () => Promise<void>, corruption: string]> = [
        ['link to /dev/zero', () => symlink('/dev/zero', file), 'not-a-file'],
        ['directory', () => mkdir(file), 'not-a-file'],
        ['file of other bytes', () => writeFile(file, forged), 'corrupted-record'],
      ];
      for (const [kind, make, corruption] of replacements) {
        const reader = createFileAuditStorage({ directory, readOnly: true });
        await reader.open();
        await rm(file, { recursive: true, force: true });
        await make();
        const error = await reader.read(0, 3).catch((caught: unknown) => caught);
        expect(AuditLogCorruptedError.isInstance(error), kind).toBe(true);
        expect(error).toMatchObject({ corruption, file: segment });
        await reader.close();
        await rm(file, { recursive: true, force: true });
        await writeFile(file, original);
      }
    });

    it('the appender refuses, never waits on, a FIFO swapped for the newest segment before its first append', async () => {
      const [segment = ''] = await writeRecords(2);
      const file = join(directory, segment);
      const appender = createFileAuditStorage({ directory });
      await appender.open();
      await rm(file);
      execFileSync('mkfifo', [file]);
      const outcome = await settled(appender.append([bytes('record 2')]), file);
      expect(outcome).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect((outcome as Error).cause).toMatchObject({ corruption: 'not-a-file', file: segment });
      await appender.close();
    }, 60_000);

    it('the appender refuses, never waits on, a FIFO planted where its next segment will be created', async () => {
      const appender = createFileAuditStorage({ directory, segmentMaxBytes: 16 });
      await appender.append([bytes('record 0')]);
      await appender.append([bytes('record 1')]);
      const next = join(directory, `${'2'.padStart(20, '0')}.seg`);
      execFileSync('mkfifo', [next]);
      const outcome = await settled(appender.append([bytes('record 2')]), next);
      expect(outcome).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect((outcome as Error).cause).toMatchObject({ corruption: 'not-a-file' });
      await appender.close();
    }, 60_000);
    it('the appender refuses a symbolic link planted where its next segment will be created, and writes nothing where it points', async () => {
      const outside = await mkdtemp(join(tmpdir(), 'warden-audit-outside-'));
      try {
        const existing = join(outside, 'existing');
        await writeFile(existing, 'untouched');
        const dangling = join(outside, 'created');
        for (const target of [dangling, existing]) {
          const appender = createFileAuditStorage({ directory, segmentMaxBytes: 16 });
          const count = await appender.size();
          await appender.append([bytes(`record ${count}`)]);
          await appender.append([bytes(`record ${count + 1}`)]);
          const next = join(directory, `${String(count + 2).padStart(20, '0')}.seg`);
          await symlink(target, next);
          const outcome = await appender.append([bytes('record 2')]).catch((error: unknown) => error);
          expect(outcome, target).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
          expect((outcome as Error).cause, target).toMatchObject({ corruption: 'not-a-file' });
          await appender.close();
          await rm(next);
        }
        expect(await readdir(outside)).toEqual(['existing']);
        expect(await readFile(existing, 'utf8')).toBe('untouched');
      } finally {
        await rm(outside, { recursive: true, force: true });
      }
    });

    it('a segment replaced by a symbolic link to a regular file is not-a-file when read, never read as the log', async () => {
      const [segment = ''] = await writeRecords(3);
      const file = join(directory, segment);
      const copy = join(directory, 'copy-outside-the-log');
      await writeFile(copy, await readFile(file));
      const reader = createFileAuditStorage({ directory, readOnly: true });
      await reader.open();
      await rm(file);
      await symlink(copy, file);
      const error = await reader.read(0, 3).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'AUDIT_LOG_CORRUPTED', corruption: 'not-a-file', file: segment });
      await reader.close();
    });
  });

  describe.skipIf(!unix)('the lock and takeover files', () => {
    it('a LOCK or a takeover claim that is a FIFO, a link to /dev/zero or a directory makes the appender refuse (BACKEND_UNAVAILABLE), never wait or read without end', async () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = `${gone}\n`;
      const claim = `LOCK.takeover.${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
      const makers: Array<[kind: string, make: (file: string) => Promise<void>]> = [
        ['FIFO', async (file) => void execFileSync('mkfifo', [file])],
        ['link to /dev/zero', (file) => symlink('/dev/zero', file)],
        ['directory', (file) => mkdir(file)],
      ];
      for (const [kind, make] of makers) {
        for (const target of ['LOCK', claim]) {
          await rm(directory, { recursive: true, force: true });
          await mkdir(directory);
          if (target !== 'LOCK') await writeFile(join(directory, 'LOCK'), stale);
          const file = join(directory, target);
          await make(file);
          const appender = createFileAuditStorage({ directory });
          const outcome = await settled(appender.append([bytes('record 0')]), file);
          expect(outcome, `${kind} as ${target}`).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
          expect((outcome as Error).message, `${kind} as ${target}`).toContain(target);
          await appender.close();
        }
      }
    }, 120_000);
  });

  describe.skipIf(!unix)('a sparse segment claiming gigabytes (no disk used)', () => {
    const HUGE = 4 * 1024 ** 3 + 5;

    it('the newest segment extended to 4 GiB is AUDIT_LOG_CORRUPTED where its records end, without reading it into memory or cutting it', async () => {
      const [segment = ''] = await writeRecords(3);
      const file = join(directory, segment);
      const intact = (await stat(file)).size;
      await truncate(file, HUGE);
      for (const readOnly of [false, true]) {
        const { outcome, growth } = await peakBufferGrowth(() =>
          createFileAuditStorage({ directory, readOnly }).open(),
        );
        expect(AuditLogCorruptedError.isInstance(outcome), `${readOnly}`).toBe(true);
        expect(outcome).toMatchObject({ corruption: 'corrupted-record', file: segment, offset: intact });
        expect(growth).toBeLessThan(256 * 1024 * 1024);
      }
      expect((await stat(file)).size).toBe(HUGE);
    }, 120_000);

    it('an older segment, or the only one, made a 4 GiB hole is AUDIT_LOG_CORRUPTED at its first zero frame, without reading it into memory', async () => {
      const segments = await writeRecords(6, 16);
      const older = segments[1] ?? '';
      const intact = (await stat(join(directory, older))).size;
      await truncate(join(directory, older), HUGE);
      const { outcome, growth } = await peakBufferGrowth(() =>
        createFileAuditStorage({ directory, readOnly: true }).open(),
      );
      expect(outcome).toMatchObject({
        code: 'AUDIT_LOG_CORRUPTED',
        corruption: 'corrupted-record',
        file: older,
        offset: intact,
      });
      expect(growth).toBeLessThan(256 * 1024 * 1024);

      await rm(directory, { recursive: true, force: true });
      await mkdir(directory);
      const only = `${'0'.padStart(20, '0')}.seg`;
      await writeFile(join(directory, only), '');
      await truncate(join(directory, only), HUGE);
      const alone = await peakBufferGrowth(() => createFileAuditStorage({ directory }).open());
      expect(alone.outcome).toMatchObject({
        code: 'AUDIT_LOG_CORRUPTED',
        corruption: 'corrupted-record',
        file: only,
        offset: 0,
      });
      expect(alone.growth).toBeLessThan(256 * 1024 * 1024);
    }, 120_000);

    it(`a zero tail up to ${MAX_UNSYNCED_BYTES} bytes (the most the storage leaves unsynced) is a torn tail; one byte more is AUDIT_LOG_CORRUPTED`, async () => {
      const [segment = ''] = await writeRecords(3);
      const file = join(directory, segment);
      const intact = (await stat(file)).size;
      await truncate(file, intact + MAX_UNSYNCED_BYTES + 1);
      expect(await openError(false)).toMatchObject({ corruption: 'corrupted-record', file: segment, offset: intact });
      await truncate(file, intact + MAX_UNSYNCED_BYTES);
      const appender = createFileAuditStorage({ directory });
      expect(await appender.open()).toEqual({ file: segment, offset: intact, droppedBytes: MAX_UNSYNCED_BYTES });
      expect(await appender.size()).toBe(3);
      await appender.close();
      expect((await stat(file)).size).toBe(intact);
    }, 120_000);
  });
});
