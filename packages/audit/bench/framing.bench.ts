/**
 * Framing cost per record: what the file storage's `encodeFrames` spends on one entry of the
 * append benchmark (its header, its checksum, copying it into the batch buffer), against the
 * framing it replaced, whose checksum was one unseeded CRC-32 of the payload. The checksum is now
 * the CRC-32 of the length field and the payload from a seed: two `crc32` calls a record.
 *
 * The records are real entries: the append benchmark's events written to an audit log on memory
 * storage and read back. Both sides frame the same batches of BENCH_IN_FLIGHT records into one
 * reused buffer, in alternating rounds (the order rotating) so that they share the machine's load;
 * the report gives each side's median over the rounds and their ratio.
 *
 * Settings (environment): BENCH_FRAMING_ROUNDS (40), BENCH_FRAMING_BATCHES (400 per round and side),
 * BENCH_IN_FLIGHT (256).
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { crc32 } from 'node:zlib';
import { createAuditLog, createMemoryAuditStorage } from '../src/index.ts';
import { encodeFrames, FRAME_HEADER_BYTES, framedLength } from '../src/storage/segment-format.ts';
import { benchEvent } from './bench-events.ts';

const ROUNDS = Number(process.env.BENCH_FRAMING_ROUNDS ?? 40);
const BATCHES = Number(process.env.BENCH_FRAMING_BATCHES ?? 400);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);

/** The framing before the seeded checksum: `u32 length || u32 crc32(payload) || payload`. */
function encodeFramesUnseeded(records: readonly Uint8Array[], target: Buffer): Buffer {
  const buffer = target.subarray(0, framedLength(records));
  let offset = 0;
  for (const record of records) {
    buffer.writeUInt32BE(record.length, offset);
    buffer.writeUInt32BE(crc32(record), offset + 4);
    buffer.set(record, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + record.length;
  }
  return buffer;
}

const storage = createMemoryAuditStorage();
const log = createAuditLog({ storage, signingKey: generateKeyPairSync('ed25519').privateKey, checkpointIntervalMs: 0 });
await Promise.all(Array.from({ length: IN_FLIGHT }, (_, index) => log.write(benchEvent(index))));
const records = await storage.read(0, IN_FLIGHT);
await log.close();
const target = Buffer.allocUnsafe(framedLength(records));
const recordBytes = records.reduce((total, record) => total + record.length, 0) / records.length;

const sides = { seeded: encodeFrames, unseeded: encodeFramesUnseeded } as const;
type Side = keyof typeof sides;
const perRecord: Record<Side, number[]> = { seeded: [], unseeded: [] };
let sink = 0;

/**
 * CPU nanoseconds per record of one side over BATCHES batches: CPU time, not wall time, so that
 * other jobs on a shared machine taking the core in between are not counted.
 */
function measure(side: Side): number {
  const encode = sides[side];
  const start = process.cpuUsage();
  for (let batch = 0; batch < BATCHES; batch += 1) sink = (sink + encode(records, target).readUInt32BE(4)) >>> 0;
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / (BATCHES * records.length);
}

const order: Side[] = ['seeded', 'unseeded'];
for (let round = 0; round < ROUNDS + 4; round += 1) {
  for (const side of round % 2 === 0 ? order : [...order].reverse()) {
    const nanoseconds = measure(side);
    // The first rounds only let V8 compile both sides.
    if (round >= 4) perRecord[side].push(nanoseconds);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const seeded = median(perRecord.seeded);
const unseeded = median(perRecord.unseeded);
console.log(
  `records of ${recordBytes.toFixed(0)} bytes, batches of ${records.length}, ${ROUNDS} rounds, load ${loadavg()[0]?.toFixed(1)}`,
);
console.log('| framing per record | median CPU ns |');
console.log('|---|---|');
console.log(`| seeded CRC over length and record (two crc32 calls), now | ${seeded.toFixed(0)} |`);
console.log(`| unseeded CRC of the record (one crc32 call), before | ${unseeded.toFixed(0)} |`);
console.log(`now ÷ before: ${(seeded / unseeded).toFixed(2)} (checksums summed: ${sink.toString(16)})`);
