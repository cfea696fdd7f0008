/**
 * The on-disk framing of a segment: each record is `u32 length || u32 crc32(payload) || payload`
 * (big-endian). The checksum tells a torn or flipped record from an intact one.
 *
 * @module
 */
import { crc32 } from 'node:zlib';

/** Bytes before each payload. */
export const FRAME_HEADER_BYTES = 8;

/**
 * Largest record a frame holds: a length above it is read as damage, not as a huge record, so
 * `append` refuses a larger record before writing anything.
 */
export const MAX_RECORD_BYTES: number = 16 * 1024 * 1024;

/** The bytes {@link encodeFrames} writes for `records`. */
export function framedLength(records: readonly Uint8Array[]): number {
  let total = 0;
  for (const record of records) total += FRAME_HEADER_BYTES + record.length;
  return total;
}

/**
 * Frames a batch of records into one buffer, ready for a single write: into the start of
 * `target` when given (it must hold {@link framedLength} bytes; the result is a view of it),
 * otherwise into a new buffer.
 */
export function encodeFrames(records: readonly Uint8Array[], target?: Buffer): Buffer {
  const total = framedLength(records);
  const buffer = target ? target.subarray(0, total) : Buffer.allocUnsafe(total);
  let offset = 0;
  for (const record of records) {
    buffer.writeUInt32BE(record.length, offset);
    buffer.writeUInt32BE(crc32(record), offset + 4);
    buffer.set(record, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + record.length;
  }
  return buffer;
}

/** A damaged frame: `torn` runs past the end of the bytes; `checksum` is complete but altered and ends at `end`. */
export interface SegmentDamage {
  /** Which kind of damage. */
  kind: 'torn' | 'checksum';
  /** Where the damaged frame starts. */
  offset: number;
  /** Where a complete but altered frame ends. */
  end?: number;
}

/** What scanning a segment found. */
export interface SegmentScan {
  /** Start offset of every intact record. */
  offsets: number[];
  /** Offset just after the last intact record. */
  validBytes: number;
  /** Why scanning stopped before the end of the bytes, when it did. */
  damage?: SegmentDamage;
}

/** Reads frames until the bytes end or a frame is damaged. */
export function scanSegment(bytes: Uint8Array): SegmentScan {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offsets: number[] = [];
  let offset = 0;
  while (offset < view.length) {
    if (view.length - offset < FRAME_HEADER_BYTES)
      return { offsets, validBytes: offset, damage: { kind: 'torn', offset } };
    const length = view.readUInt32BE(offset);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > view.length) {
      return { offsets, validBytes: offset, damage: { kind: 'torn', offset } };
    }
    if (crc32(view.subarray(offset + FRAME_HEADER_BYTES, end)) !== view.readUInt32BE(offset + 4)) {
      return { offsets, validBytes: offset, damage: { kind: 'checksum', offset, end } };
    }
    offsets.push(offset);
    offset = end;
  }
  return { offsets, validBytes: offset };
}

/** Most payload bytes {@link intactFrameMayFollow} checksums before it stops and answers yes. */
const FRAME_SEARCH_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * Whether an intact frame may start in `bytes` after `damagedOffset`, where a damaged frame
 * starts. A torn write (a process killed mid-`write`) leaves at most one frame's prefix there, in
 * which no complete frame can start; a length field altered by an attacker or a bad disk leaves
 * the acknowledged records after it intact. So a damaged frame followed by an intact one is never
 * a torn tail to cut. Every position is tried, as the altered length hides where the next frame
 * starts; a candidate must be non-empty (an empty frame is eight zero bytes: a tail the file system
 * extended with zeros) and match its checksum. The search checksums at most 64 MiB and answers
 * yes when it would need more, so crafted bytes cannot make it quadratic: the segment is then
 * refused as damaged, never cut.
 */
export function intactFrameMayFollow(bytes: Uint8Array, damagedOffset: number): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let budget = FRAME_SEARCH_BUDGET_BYTES;
  for (let offset = damagedOffset + 1; offset + FRAME_HEADER_BYTES < view.length; offset += 1) {
    const length = view.readUInt32BE(offset);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (length === 0 || length > MAX_RECORD_BYTES || end > view.length) continue;
    budget -= length;
    if (budget < 0) return true;
    if (crc32(view.subarray(offset + FRAME_HEADER_BYTES, end)) === view.readUInt32BE(offset + 4)) return true;
  }
  return false;
}

/** The payloads of consecutive frames in `bytes` (already checked by {@link scanSegment}). */
export function decodeFrames(bytes: Buffer, count: number): Uint8Array[] {
  const records: Uint8Array[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const length = bytes.readUInt32BE(offset);
    records.push(Uint8Array.from(bytes.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length)));
    offset += FRAME_HEADER_BYTES + length;
  }
  return records;
}
