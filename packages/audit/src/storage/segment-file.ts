/**
 * Opening and scanning segment files on a file system that whoever can write the log's directory
 * controls: a segment may be swapped for a FIFO or a device at any moment, or claim gigabytes it
 * does not hold (a sparse file). Every open here returns at once and refuses what is not a
 * regular file, and a scan holds at most one record and one torn tail in memory, whatever the
 * file's size.
 *
 * @module
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLogCorruptedError } from '../errors.js';
import {
  FRAME_HEADER_BYTES,
  frameIntact,
  isTornTail,
  MAX_RECORD_BYTES,
  MAX_UNSYNCED_BYTES,
  type SegmentDamage,
} from './segment-format.js';

/** Bytes a scan reads at once (more only to hold one larger record). */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Opens segment `name` of `directory` with `flags` (the `fs.constants` `O_*` flags), refusing
 * anything but a regular file with `AuditLogCorruptedError` (`not-a-file`). Whoever can write the
 * directory may put a FIFO there, whose open waits for the other end forever (a verifier that never
 * answers, an appender that never acknowledges), a link to a device (`/dev/zero` reads without
 * end, `/dev/null` as a segment of no records) or a directory, and may do so between any two
 * calls. `O_NONBLOCK` makes the open of a FIFO return at once (it changes nothing for a regular
 * file; Windows has neither; a FIFO opened for writing with no reader fails with `ENXIO`), and
 * `fstat` of what was opened, not of the path, then judges it. `O_NOFOLLOW` refuses a segment that
 * is a symbolic link (`ELOOP`): followed, a link planted where the next segment will be created
 * made the appender create or append to a file anywhere its owner may write.
 */
export async function openSegment(directory: string, name: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(join(directory, name), flags | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    throw openFailure(directory, name, flags, error);
  }
  try {
    if (!(await handle.stat()).isFile()) throw notAFile(name);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * What a failed open of a segment means, typed: the directory was replaced by something else
 * (`ENOTDIR`; `ENOENT` when creating), the segment by a symbolic link (`ELOOP`) or by a
 * FIFO without a reader (`ENXIO`), or the segment scanned before is gone (`ENOENT`). Anything else
 * (permissions, I/O) is left as the system reported it.
 */
function openFailure(directory: string, name: string, flags: number, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const creating = (flags & constants.O_CREAT) !== 0;
  if (code === 'ENOTDIR' || (code === 'ENOENT' && creating)) return notADirectory(directory, error);
  if (code === 'ENXIO' || code === 'ELOOP') return notAFile(name, error);
  if (code === 'ENOENT') {
    return new AuditLogCorruptedError({
      corruption: 'missing-segment',
      file: name,
      message: `audit segment ${name} is gone from ${directory}`,
      cause: error,
    });
  }
  return error;
}

/** `directory` (a storage's `entries/` or `checkpoints/`) is not a directory, or no longer one. */
export function notADirectory(directory: string, cause?: unknown): AuditLogCorruptedError {
  return new AuditLogCorruptedError({
    corruption: 'not-a-directory',
    file: directory,
    message: `audit storage directory ${directory} is not a directory (a file, a FIFO, a link to one, or a dangling link); nothing in it was changed`,
    cause,
  });
}

function notAFile(name: string, cause?: unknown): AuditLogCorruptedError {
  return new AuditLogCorruptedError({
    corruption: 'not-a-file',
    file: name,
    message: `audit segment ${name} is not a regular file (a FIFO, a device or a directory)`,
    cause,
  });
}

/** What scanning a segment file found. */
export interface SegmentFileScan {
  /** Start offset of every intact record. */
  offsets: number[];
  /** Offset just after the last intact record. */
  validBytes: number;
  /** The file's size; past `validBytes` lies a torn tail (only ever in the newest segment). */
  size: number;
}

/**
 * Scans the open segment `name` frame by frame, a chunk at a time. Damage is an
 * `AuditLogCorruptedError` naming the file and the offset, except in the newest segment (`last`) a
 * tail that a crash leaves: at most {@link MAX_UNSYNCED_BYTES} from the damaged frame to the end of
 * the file, the frame running to the end or followed by zero bytes only, and no intact frame after
 * it. A longer tail is not read at all: a sparse file claiming gigabytes costs nothing.
 */
export async function scanSegmentFile(handle: FileHandle, name: string, last: boolean): Promise<SegmentFileScan> {
  const size = (await handle.stat()).size;
  const reader = new SegmentReader(handle, size);
  const offsets: number[] = [];
  let offset = 0;
  while (offset < size) {
    const checked = await checkFrame(reader, offset, size);
    if (typeof checked === 'number') {
      offsets.push(offset);
      offset = checked;
      continue;
    }
    const tailBytes = size - offset;
    const torn = last && tailBytes <= MAX_UNSYNCED_BYTES && isTornTail(await reader.bytes(offset, tailBytes));
    if (!torn) throw damageError(name, checked, last, tailBytes);
    break;
  }
  return { offsets, validBytes: offset, size };
}

/** Where the frame at `offset` ends when it is intact, otherwise its damage. */
async function checkFrame(reader: SegmentReader, offset: number, size: number): Promise<number | SegmentDamage> {
  const header = await reader.bytes(offset, FRAME_HEADER_BYTES);
  if (header.length < FRAME_HEADER_BYTES) return { kind: 'torn', offset };
  const length = header.readUInt32BE(0);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (length > MAX_RECORD_BYTES || end > size) return { kind: 'torn', offset };
  const frame = await reader.bytes(offset, FRAME_HEADER_BYTES + length);
  // Shorter than fstat said: the file was cut while being read.
  if (frame.length < FRAME_HEADER_BYTES + length) return { kind: 'torn', offset };
  return frameIntact(frame, 0, length) ? end : { kind: 'checksum', offset, end };
}

function damageError(name: string, damage: SegmentDamage, last: boolean, tailBytes: number): AuditLogCorruptedError {
  if (!last && damage.kind === 'torn') {
    return new AuditLogCorruptedError({
      corruption: 'truncated-file',
      file: name,
      offset: damage.offset,
      message: `audit segment ${name} ends inside a record at byte ${damage.offset}, and a later segment exists`,
    });
  }
  const why = !last
    ? ''
    : tailBytes > MAX_UNSYNCED_BYTES
      ? `, and the ${tailBytes} bytes from there are more than a torn write leaves (${MAX_UNSYNCED_BYTES})`
      : ', and what follows it is not a torn write (intact records, or bytes other than zeros)';
  return new AuditLogCorruptedError({
    corruption: 'corrupted-record',
    file: name,
    offset: damage.offset,
    message: `audit segment ${name} has a record whose length or checksum does not match at byte ${damage.offset}${why}`,
  });
}

/** Reads a segment forwards through one buffer, grown only to hold the largest span asked for. */
class SegmentReader {
  private buffer: Buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  private start = 0;
  private filled = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** Up to `length` bytes at `offset` (fewer where the file ends); valid until the next call. */
  async bytes(offset: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    if (offset < this.start || offset + wanted > this.start + this.filled) await this.fill(offset, wanted);
    const from = offset - this.start;
    return this.buffer.subarray(from, Math.min(from + wanted, this.filled));
  }

  private async fill(offset: number, wanted: number): Promise<void> {
    if (this.buffer.length < wanted) this.buffer = Buffer.allocUnsafe(wanted);
    const target = Math.min(this.buffer.length, this.size - offset);
    this.start = offset;
    this.filled = 0;
    while (this.filled < target) {
      const { bytesRead } = await this.handle.read(
        this.buffer,
        this.filled,
        target - this.filled,
        offset + this.filled,
      );
      if (bytesRead === 0) break;
      this.filled += bytesRead;
    }
  }
}
