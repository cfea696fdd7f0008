/**
 * The on-disk framing of a segment: each record is `u32 length || u32 checksum || payload`
 * (big-endian), where the checksum is the CRC-32 of `length || payload` seeded with
 * {@link FRAME_CHECKSUM_SEED}. The checksum tells a torn or flipped record from an intact one; the
 * seed makes sure a run of zero bytes (a power cut that extended a file but never wrote its data,
 * preallocated blocks, an attacker) is never a frame: unseeded, eight zero bytes are an intact
 * empty record, as the CRC-32 of nothing is 0.
 *
 * @module
 */
import { crc32 } from 'node:zlib';

/** Bytes before each payload. */
export const FRAME_HEADER_BYTES = 8;

/**
 * Where every frame's checksum starts: `0xceb1d376`, the CRC-32 of `warden-audit-frame`. An
 * all-zero frame would need its checksum field, 0, to equal the checksum of a zero length field
 * from this seed, which is `0x61dddb7b`: so zeros never check out (from the seed 0 they would).
 */
const FRAME_CHECKSUM_SEED = 0xceb1d376;

/**
 * Most bytes the file storage writes to a segment before a sync makes the earlier ones durable
 * (it syncs first, and writes a larger batch in pieces), so the longest torn tail a crash can leave.
 * A damaged tail longer than this is never cut as a torn write, and is not read to find out.
 */
export const MAX_UNSYNCED_BYTES: number = 64 * 1024 * 1024;

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
    buffer.writeUInt32BE(frameChecksum(buffer.subarray(offset, offset + 4), record), offset + 4);
    buffer.set(record, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + record.length;
  }
  return buffer;
}

/** The checksum of a frame: the CRC-32 of its length field and its payload, from the seed. */
function frameChecksum(lengthField: Uint8Array, payload: Uint8Array): number {
  const seeded = crc32(lengthField, FRAME_CHECKSUM_SEED);
  // Node 20's crc32 answers 0, not the value it was given, for an empty array whose ArrayBuffer is
  // empty too (`new TextEncoder().encode('')`): an empty payload adds nothing, so skip it.
  return payload.length === 0 ? seeded : crc32(payload, seeded);
}

/** Whether the frame of `length` payload bytes at `offset` of `view` (all of it in `view`) checks out. */
export function frameIntact(view: Buffer, offset: number, length: number): boolean {
  const payload = view.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
  return frameChecksum(view.subarray(offset, offset + 4), payload) === view.readUInt32BE(offset + 4);
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
    if (!frameIntact(view, offset, length)) {
      return { offsets, validBytes: offset, damage: { kind: 'checksum', offset, end } };
    }
    offsets.push(offset);
    offset = end;
  }
  return { offsets, validBytes: offset };
}

/** Most bytes {@link intactFrameMayFollow} checksums (each candidate also counts 64) before it stops and answers yes. */
const FRAME_SEARCH_BUDGET_BYTES = 64 * 1024 * 1024;

/** What a candidate costs the search besides its payload: the call, so that many tiny candidates stay bounded too. */
const FRAME_SEARCH_CANDIDATE_COST = 64;

/** The checksum field of an intact empty frame (`crc32(00 00 00 00)` from the seed). */
const EMPTY_FRAME_CHECKSUM = 0x61dddb7b;

/**
 * Whether an intact frame may start in `bytes` after `damagedOffset`, where a damaged frame
 * starts, and before `searchEnd`. A torn write (a process killed mid-`write`) leaves at most one
 * frame's prefix there, in which no complete frame can start; a length field altered by an attacker
 * or a bad disk leaves the acknowledged records after it intact. So a damaged frame followed by an
 * intact one is never a torn tail to cut. Every position is tried, as the altered length hides
 * where the next frame starts; a candidate must match its checksum (zeros never do). The search
 * checksums at most 64 MiB (each candidate counting 64 bytes more) and answers yes when it would
 * need more, so crafted bytes cannot make it quadratic: the segment is then refused as damaged,
 * never cut.
 */
export function intactFrameMayFollow(
  bytes: Uint8Array,
  damagedOffset: number,
  searchEnd: number = bytes.length,
): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let budget = FRAME_SEARCH_BUDGET_BYTES;
  const afterLastStart = Math.min(searchEnd, view.length - FRAME_HEADER_BYTES + 1);
  for (let offset = damagedOffset + 1; offset < afterLastStart; offset += 1) {
    const length = view.readUInt32BE(offset);
    // An empty frame is intact exactly when its checksum field is this constant: no call needed.
    if (length === 0) {
      if (view.readUInt32BE(offset + 4) === EMPTY_FRAME_CHECKSUM) return true;
      continue;
    }
    const end = offset + FRAME_HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > view.length) continue;
    budget -= length + FRAME_SEARCH_CANDIDATE_COST;
    if (budget < 0) return true;
    if (frameIntact(view, offset, length)) return true;
  }
  return false;
}

/**
 * Whether `tail`, the bytes of the newest segment from a damaged frame to the end of the file, is
 * what a crash leaves: the frame runs to the end of the file, or only zero bytes follow it (pages
 * a power cut never wrote), and no intact frame starts anywhere after its start.
 */
export function isTornTail(tail: Buffer): boolean {
  let frameEnd = tail.length;
  if (tail.length >= FRAME_HEADER_BYTES) {
    const length = tail.readUInt32BE(0);
    // A length over the maximum is never written: its frame is taken to be just the header.
    frameEnd = length > MAX_RECORD_BYTES ? FRAME_HEADER_BYTES : Math.min(tail.length, FRAME_HEADER_BYTES + length);
  }
  // Past the frame only zeros: no frame starts there (an all-zero header never checks out).
  return onlyZeros(tail.subarray(frameEnd)) && !intactFrameMayFollow(tail, 0, frameEnd);
}

const ZERO_BLOCK = new Uint8Array(64 * 1024);

/** Whether every byte of `bytes` is zero (compared a block at a time, natively). */
function onlyZeros(bytes: Buffer): boolean {
  for (let offset = 0; offset < bytes.length; offset += ZERO_BLOCK.length) {
    const block = bytes.subarray(offset, offset + ZERO_BLOCK.length);
    if (!block.equals(ZERO_BLOCK.subarray(0, block.length))) return false;
  }
  return true;
}

/** What {@link decodeFrames} read: the payloads, or where the bytes stop being the frames expected. */
export type DecodedFrames =
  | { records: Uint8Array[]; damagedAt?: undefined }
  | { records?: undefined; damagedAt: number };

/**
 * The payloads of the `count` consecutive frames that make up `bytes`, checked again: a segment
 * replaced after it was scanned (by another file, or bytes rewritten in place) must not be read as
 * records, nor have lengths read from it trusted. `damagedAt` is the offset of the first frame
 * that does not check out, or where the bytes do not end with the last frame.
 */
export function decodeFrames(bytes: Buffer, count: number): DecodedFrames {
  const records: Uint8Array[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { damagedAt: offset };
    const length = bytes.readUInt32BE(offset);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > bytes.length || !frameIntact(bytes, offset, length))
      return { damagedAt: offset };
    records.push(Uint8Array.from(bytes.subarray(offset + FRAME_HEADER_BYTES, end)));
    offset = end;
  }
  return offset === bytes.length ? { records } : { damagedAt: offset };
}
