import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import type { AuditStorage } from '../storage/port.ts';
import { buildLog, sampleEvent, tamper } from '../verify/test-support.ts';
import { type AuditRecordSource, verifyAuditRecords } from '../verify/verifier.ts';
import { createAuditLog } from './index.ts';

// The attacker floods the log (any agent whose every tool call is audited can) until verifying it
// needs more memory than the host has. What must hold: verification holds at most a slice of
// records at once, whatever the log's length, and still finds and names tampering.

const SLICE = 64;

/**
 * Counts the records a reader holds: every read hands out copies, and the copies of the previous
 * read are overwritten (like a reused read buffer) when the next read starts. A reader that kept
 * records from an earlier slice to use later would read zeros; one that is done with each slice
 * before asking for the next verifies as if nothing happened. So at most one read's records are
 * ever in use, and `mostHeld` counts them.
 */
class RecyclingReads {
  mostHeld = 0;
  recycled = 0;
  reads = 0;
  private handedOut: Uint8Array[] = [];

  hand(records: readonly Uint8Array[]): Uint8Array[] {
    for (const record of this.handedOut) record.fill(0);
    this.recycled += this.handedOut.length;
    this.handedOut = records.map((record) => Uint8Array.from(record));
    this.mostHeld = Math.max(this.mostHeld, this.handedOut.length);
    this.reads += 1;
    return this.handedOut;
  }
}

function recyclingStorage(inner: AuditStorage, reads: RecyclingReads): AuditStorage {
  return {
    specificationVersion: 'audit-storage-v1',
    providerId: 'recycling-test',
    append: (records) => inner.append(records),
    read: async (start, end) => reads.hand(await inner.read(start, end)),
    size: () => inner.size(),
    sync: () => inner.sync(),
    close: () => inner.close(),
  };
}

describe('verification streams the log (an agent flooding the audit log to exhaust the verifier)', () => {
  it(`AuditLog.verify() of a log 80 times verifySliceEntries long holds at most ${SLICE} records at once and verifies it`, async () => {
    const reads = new RecyclingReads();
    const log = createAuditLog({
      storage: recyclingStorage(createMemoryAuditStorage(), reads),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      checkpointIntervalMs: 0,
      verifySliceEntries: SLICE,
    });
    const size = 80 * SLICE;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < size) {
        await log.write(sampleEvent(next++));
        if (next % 1000 === 0) await log.checkpoint();
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    await log.checkpoint();
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, size, verifiedSize: size, problems: [] });
    expect(reads.mostHeld).toBeLessThanOrEqual(SLICE);
    expect(reads.reads).toBeGreaterThanOrEqual(size / SLICE);
    // Every slice but the last was overwritten while the verification went on, and it still verified.
    expect(reads.recycled).toBeGreaterThanOrEqual(size - SLICE);
    await log.close();
  });

  it('verifySliceEntries that is not a whole number from 1 to 1048576 is INVALID_INPUT', () => {
    for (const verifySliceEntries of [0, -1, 1.5, 2_000_000]) {
      expect(() =>
        createAuditLog({
          storage: createMemoryAuditStorage(),
          signingKey: generateKeyPairSync('ed25519').privateKey,
          verifySliceEntries,
        }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it.each([
    ['edit', 700, 'entry-modified', 700],
    ['delete', 700, 'entry-missing', 700],
    ['insert', 700, 'entry-inserted', 700],
    ['reorder', 700, 'entry-out-of-order', 700],
  ] as const)(
    'streamed a slice at a time, a %s at entry %i is still found and named (%s at %i)',
    async (kind, position, problemKind, index) => {
      const built = await buildLog(1200, [300, 600, 900]);
      const records = tamper(built.records, kind, position);
      const reads = new RecyclingReads();
      const source: AuditRecordSource = {
        size: records.length,
        read: async (start, end) => reads.hand(records.slice(start, end)),
      };
      const report = await verifyAuditRecords(
        source,
        built.checkpoints,
        { verifierKey: built.verifierKey, trustedCheckpoint: built.trustedCheckpoint },
        undefined,
        SLICE,
      );
      expect(report.ok).toBe(false);
      expect(report.problems[0]).toMatchObject({ kind: problemKind, index });
      expect(reads.mostHeld).toBeLessThanOrEqual(SLICE);
    },
  );
});
