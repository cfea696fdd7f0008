/**
 * The embedded default {@link AuditStorage}: numbered segment files in one directory, written
 * with one `write` per batch and made durable with `fdatasync` on `sync()`. Opening recovers
 * from a crash mid-write by cutting the torn tail of the newest segment, which only ever holds
 * records no `sync()` acknowledged.
 *
 * @module
 */

import { constants } from 'node:fs';
import { type FileHandle, lstat, readdir } from 'node:fs/promises';
import { assertKnownOptions, BackendUnavailableError, InvalidInputError, WardenError } from '@warden/core';
import { AuditLogCorruptedError } from '../errors.js';
import { acquireDirectoryLock, type DirectoryLock, releaseDirectoryLock } from './directory-lock.js';
import { checkRange } from './memory-storage.js';
import type { AuditStorage } from './port.js';
import { notADirectory, openSegment, type SegmentFileScan, scanSegmentFile } from './segment-file.js';
import {
  decodeFrames,
  encodeFrames,
  FRAME_HEADER_BYTES,
  framedLength,
  MAX_RECORD_BYTES,
  MAX_UNSYNCED_BYTES,
} from './segment-format.js';
import { makeDirectory, syncDirectory } from './storage-directory.js';

/** Settings of {@link createFileAuditStorage}. */
export interface FileAuditStorageConfig {
  /** Directory of the segment files; created when missing (unless `readOnly`). */
  directory: string;
  /** A new segment starts once the current one reaches this many bytes. @default 67108864 (64 MiB) */
  segmentMaxBytes?: number;
  /** Open for reading only (the verifier): a torn tail is skipped and reported, never cut off. @default false */
  readOnly?: boolean;
}

/** What opening the storage had to repair. */
export interface FileAuditStorageRecovery {
  /** The segment whose torn tail was cut (or skipped, read-only). */
  file: string;
  /** Where the intact records end. */
  offset: number;
  /** Bytes after `offset` that were dropped: records no `sync()` acknowledged. */
  droppedBytes: number;
}

/** {@link AuditStorage} on files, plus what recovery found. */
export interface FileAuditStorage extends AuditStorage {
  /** Opens the directory now (otherwise the first call does) and reports a repaired torn tail. */
  open(): Promise<FileAuditStorageRecovery | undefined>;
}

interface Segment {
  name: string;
  firstIndex: number;
  offsets: number[];
  endOffset: number;
}

const SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{20})\.seg$/;
const segmentName = (firstIndex: number): string => `${String(firstIndex).padStart(20, '0')}.seg`;

/**
 * Creates file storage; no I/O happens until the first call. Unless `readOnly`, the first call
 * takes the directory's `LOCK` (held until `close()`): a second appender is `BACKEND_UNAVAILABLE`.
 */
export function createFileAuditStorage(given: FileAuditStorageConfig): FileAuditStorage {
  assertKnownOptions(given, ['directory', 'segmentMaxBytes', 'readOnly'], 'file audit storage config');
  // Own fields only: an Object.prototype.directory must not choose where the log is written.
  const config: Partial<FileAuditStorageConfig> = Object.assign(Object.create(null), given);
  const segmentMaxBytes = config.segmentMaxBytes ?? 64 * 1024 * 1024;
  if (typeof config.directory !== 'string' || config.directory === '') {
    throw new InvalidInputError({
      message: 'directory must be a path',
      issues: [{ path: 'directory', message: 'required' }],
    });
  }
  if (!Number.isSafeInteger(segmentMaxBytes) || segmentMaxBytes < 1) {
    throw new InvalidInputError({
      message: 'segmentMaxBytes must be a positive integer',
      issues: [{ path: 'segmentMaxBytes', message: 'must be a positive integer' }],
    });
  }
  return new FileStorage(config.directory, segmentMaxBytes, config.readOnly ?? false);
}

class FileStorage implements FileAuditStorage {
  readonly specificationVersion = 'audit-storage-v1' as const;
  readonly providerId = 'file';
  private segments: Segment[] = [];
  private handle: FileHandle | undefined;
  private opening: Promise<FileAuditStorageRecovery | undefined> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private count = 0;
  // The lock file this storage holds (appending storage only), released by close().
  private lock: DirectoryLock | undefined;
  // Reused by every append (a batch is framed, written, and done with before the next starts in
  // `exclusive`): a fresh buffer per batch cost more in allocation and garbage collection than framing it.
  private scratch: Buffer = Buffer.alloc(0);
  // Bytes written to segments, ever, and how many of them a completed fdatasync (or a rotation's) made
  // durable: append keeps the difference within MAX_UNSYNCED_BYTES, which bounds a torn tail.
  private writtenBytes = 0;
  private durableBytes = 0;

  constructor(
    private readonly directory: string,
    private readonly segmentMaxBytes: number,
    private readonly readOnly: boolean,
  ) {}

  open(): Promise<FileAuditStorageRecovery | undefined> {
    this.opening ??= this.load();
    return this.opening;
  }

  append(records: readonly Uint8Array[]): Promise<number> {
    if (this.readOnly) return Promise.reject(this.unavailable('audit storage was opened read-only'));
    const oversized = records.findIndex((record) => record.length > MAX_RECORD_BYTES);
    if (oversized !== -1) {
      return Promise.reject(
        new InvalidInputError({
          message: `record ${oversized} of the batch is ${records[oversized]?.length} bytes; a segment frame holds at most ${MAX_RECORD_BYTES}`,
          issues: [{ path: `records.${oversized}`, message: `larger than ${MAX_RECORD_BYTES} bytes` }],
        }),
      );
    }
    return this.exclusive(async () => {
      if (records.length === 0) return this.count;
      await this.rotateIfFull();
      const segment = this.currentSegment();
      const frames = encodeFrames(records, this.scratchFor(framedLength(records)));
      try {
        await this.writeFrames(await this.writable(), frames, records);
      } catch (error) {
        // A partial write leaves a torn frame: stop here so nothing is ever appended after it.
        this.failure = error;
        throw this.unavailable('writing an audit segment failed', error);
      }
      let offset = segment.endOffset;
      for (const record of records) {
        segment.offsets.push(offset);
        offset += FRAME_HEADER_BYTES + record.length;
      }
      segment.endOffset = offset;
      this.count += records.length;
      return this.count;
    });
  }

  read(start: number, end: number): Promise<Uint8Array[]> {
    return this.exclusive(async () => {
      checkRange(start, end, this.count);
      const records: Uint8Array[] = [];
      for (const segment of this.segments) {
        const from = Math.max(start, segment.firstIndex);
        const to = Math.min(end, segment.firstIndex + segment.offsets.length);
        if (from >= to) continue;
        // One by one: spreading a segment's records into push() overflows the stack past ~120,000.
        for (const record of await this.readFromSegment(segment, from, to)) records.push(record);
      }
      return records;
    });
  }

  size(): Promise<number> {
    return this.exclusive(async () => this.count);
  }

  sync(): Promise<void> {
    // Waits its turn behind the appends called before it, so it covers them, then runs the
    // fdatasync outside the queue: the next append writes while it runs (it is not covered; its
    // own sync will be). A segment rotation or close() waits for it (a FileHandle closes only
    // after its pending operations).
    return this.exclusive(async () => ({ handle: this.handle, covered: this.writtenBytes })).then(
      async ({ handle, covered }) => {
        if (!handle) return;
        try {
          await handle.datasync();
          this.durableBytes = Math.max(this.durableBytes, covered);
        } catch (error) {
          this.failure = error;
          throw this.unavailable('fdatasync of an audit segment failed', error);
        }
      },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Not through `exclusive`: closing never opens the directory, so storage that could not open still closes.
    const run = this.queue.then(async () => {
      try {
        if (this.handle && !this.failure) await this.handle.datasync();
        await this.handle?.close();
        this.handle = undefined;
      } finally {
        await this.releaseLock();
      }
    });
    this.queue = run.catch(() => undefined);
    await run.finally(() => {
      this.closed = true;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closed) throw this.unavailable('audit storage is closed');
      await this.open();
      if (this.failure) throw this.unavailable('audit storage failed earlier and refuses more work', this.failure);
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<FileAuditStorageRecovery | undefined> {
    if (!this.readOnly) {
      await makeDirectory(this.directory);
      // Before reading: a second appender would write the same entry numbers as this one.
      this.lock = await acquireDirectoryLock(this.directory, (message) => this.unavailable(message)).catch(
        (error: unknown) => {
          // The directory replaced since it was checked, or unwritable: typed, and nothing was taken.
          throw WardenError.isInstance(error) ? error : this.unavailable('cannot take the directory lock', error);
        },
      );
    }
    try {
      return await this.scanSegments();
    } catch (error) {
      // Storage that cannot open never appends: it holds no lock.
      await this.releaseLock();
      throw error;
    }
  }

  private async scanSegments(): Promise<FileAuditStorageRecovery | undefined> {
    const names = await listSegments(this.directory);
    let expectedFirst = 0;
    let recovery: FileAuditStorageRecovery | undefined;
    for (const [position, name] of names.entries()) {
      const firstIndex = Number(SEGMENT_NAME.exec(name)?.[1]);
      if (firstIndex !== expectedFirst) {
        throw new AuditLogCorruptedError({
          corruption: 'missing-segment',
          file: name,
          message: `audit segment ${name} starts at record ${firstIndex}, expected ${expectedFirst}: a segment is missing`,
        });
      }
      const handle = await openSegment(this.directory, name, constants.O_RDONLY);
      let scan: SegmentFileScan;
      try {
        // Only the newest segment can end in a torn write (see scanSegmentFile).
        scan = await scanSegmentFile(handle, name, position === names.length - 1);
      } finally {
        await handle.close();
      }
      if (scan.validBytes < scan.size) {
        recovery = { file: name, offset: scan.validBytes, droppedBytes: scan.size - scan.validBytes };
        if (!this.readOnly) await cutTail(this.directory, name, scan.validBytes);
      }
      this.segments.push({ name, firstIndex, offsets: scan.offsets, endOffset: scan.validBytes });
      expectedFirst = firstIndex + scan.offsets.length;
    }
    this.count = expectedFirst;
    return recovery;
  }

  /**
   * Writes a batch's `frames` (of `records`) so that no more than MAX_UNSYNCED_BYTES are ever
   * written and not yet durable: first an fdatasync when the batch would pass the bound, then a
   * batch larger than the bound in pieces of whole frames, each synced before the next is written.
   * A crash can then leave at most that much torn tail, which is what lets opening refuse a
   * longer damaged tail (a sparse file claiming gigabytes) without reading it. Batches of the
   * audit log are far smaller, so this costs them nothing.
   */
  private async writeFrames(handle: FileHandle, frames: Buffer, records: readonly Uint8Array[]): Promise<void> {
    let pieceStart = 0;
    let pieceEnd = 0;
    for (const record of records) {
      const frameBytes = FRAME_HEADER_BYTES + record.length;
      const pending = this.writtenBytes + (pieceEnd - pieceStart) - this.durableBytes;
      if (pending + frameBytes > MAX_UNSYNCED_BYTES) {
        await this.writePiece(handle, frames.subarray(pieceStart, pieceEnd));
        pieceStart = pieceEnd;
        await handle.datasync();
        this.durableBytes = this.writtenBytes;
      }
      pieceEnd += frameBytes;
    }
    await this.writePiece(handle, frames.subarray(pieceStart, pieceEnd));
  }

  private async writePiece(handle: FileHandle, piece: Buffer): Promise<void> {
    if (piece.length === 0) return;
    await writeFully(handle, piece);
    this.writtenBytes += piece.length;
  }

  // A batch larger than SCRATCH_MAX_BYTES gets a buffer of its own, so one huge batch does not stay allocated.
  private scratchFor(bytes: number): Buffer {
    if (bytes > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(bytes);
    if (this.scratch.length < bytes)
      this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(bytes, 2 * this.scratch.length)));
    return this.scratch;
  }

  private currentSegment(): Segment {
    const last = this.segments.at(-1);
    if (last) return last;
    const segment = { name: segmentName(0), firstIndex: 0, offsets: [], endOffset: 0 };
    this.segments.push(segment);
    return segment;
  }

  private async writable(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const segment = this.currentSegment();
    this.handle = await openSegment(
      this.directory,
      segment.name,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    );
    if (segment.endOffset === 0) await syncDirectory(this.directory);
    return this.handle;
  }

  private async rotateIfFull(): Promise<void> {
    const last = this.segments.at(-1);
    if (!last || last.endOffset < this.segmentMaxBytes) return;
    if (this.handle) {
      await this.handle.datasync();
      this.durableBytes = this.writtenBytes;
      await this.handle.close();
      this.handle = undefined;
    }
    this.segments.push({ name: segmentName(this.count), firstIndex: this.count, offsets: [], endOffset: 0 });
  }

  private async readFromSegment(segment: Segment, from: number, to: number): Promise<Uint8Array[]> {
    const startOffset = segment.offsets[from - segment.firstIndex] ?? 0;
    const endOffset = segment.offsets[to - segment.firstIndex] ?? segment.endOffset;
    const buffer = Buffer.allocUnsafe(endOffset - startOffset);
    // Opened again, and judged again: the file may have been replaced since it was scanned.
    const handle = await openSegment(this.directory, segment.name, constants.O_RDONLY);
    try {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, startOffset);
      if (bytesRead !== buffer.length) {
        throw new AuditLogCorruptedError({
          corruption: 'truncated-file',
          file: segment.name,
          offset: startOffset + bytesRead,
          message: `audit segment ${segment.name} was shortened while open`,
        });
      }
    } finally {
      await handle.close();
    }
    const decoded = decodeFrames(buffer, to - from);
    if (decoded.records) return decoded.records;
    throw new AuditLogCorruptedError({
      corruption: 'corrupted-record',
      file: segment.name,
      offset: startOffset + decoded.damagedAt,
      message: `audit segment ${segment.name} changed after it was opened: the record at byte ${startOffset + decoded.damagedAt} does not match`,
    });
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    if (lock === undefined) return;
    this.lock = undefined;
    await releaseDirectoryLock(lock);
  }

  private unavailable(message: string, cause?: unknown): BackendUnavailableError {
    return new BackendUnavailableError({ backend: 'audit-file', message: `${message} (${this.directory})`, cause });
  }
}

/** The segment files of `directory`, in order; none when it does not exist (a read-only open of a new log). */
async function listSegments(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory)).filter((name) => SEGMENT_NAME.test(name)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Nothing there: a new log. A link there that leads nowhere is something else in its place.
    if (code === 'ENOENT' && !(await lstat(directory).catch(() => undefined))) return [];
    if (code === 'ENOENT') throw notADirectory(directory, error);
    // readdir opens with O_DIRECTORY: a FIFO in its place fails at once, never waits.
    if (code === 'ENOTDIR' || code === 'ELOOP') throw notADirectory(directory, error);
    throw error;
  }
}

async function cutTail(directory: string, name: string, length: number): Promise<void> {
  const handle = await openSegment(directory, name, constants.O_RDWR);
  try {
    await handle.truncate(length);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    written += bytesWritten;
  }
}
