import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditLogCorruptedError } from '../errors.ts';
import { createAuditLog } from '../log/audit-log.ts';
import { parseVerifierKey } from '../note/keys.ts';
import { verifyNote } from '../note/signed-note.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import { buildLog, sampleEvent, toBundle } from './test-support.ts';
import { verifyAuditLog } from './verifier.ts';

// A stored checkpoint with many signature lines under the log's own name and key ID, each
// checked with an Ed25519 verification (about 60 µs): an attacker who can write the checkpoint
// files turns a megabyte of them into seconds of a blocked event loop.
function withBogusSignatures(note: string, count: number): string {
  const split = note.lastIndexOf('\n\n') + 2;
  const line = note.slice(split).split('\n')[0] as string;
  const bogus = `${line.slice(0, -8)}AAAAAAA=\n`;
  return note.slice(0, split) + bogus.repeat(count) + note.slice(split);
}

describe('the cost of checking checkpoints is bounded', () => {
  it('a note with more than 100 signature lines is malformed (as Go sumdb/note), not verified line by line', async () => {
    const log = await buildLog(2);
    const note = log.trustedCheckpoint;
    const name = 'warden.test/audit';
    const { publicKey } = parseVerifierKey(log.verifierKey);
    expect(verifyNote(withBogusSignatures(note, 98), name, publicKey)).toBe(
      note.slice(0, note.lastIndexOf('\n\n') + 1),
    );
    expect(() => verifyNote(withBogusSignatures(note, 100), name, publicKey)).toThrow(AuditLogCorruptedError);
  });

  it('a stored checkpoint padded with thousands of bogus signatures is reported, not checked one by one', async () => {
    const log = await buildLog(4);
    const padded = withBogusSignatures(log.checkpoints[0] as string, 5_000);
    const report = await verifyAuditLog({
      bundle: toBundle(log.records, [padded]),
      verifierKey: log.verifierKey,
      trustedCheckpoint: log.trustedCheckpoint,
    });
    expect(report.problems.map((problem) => problem.kind)).toEqual(['checkpoint-invalid']);
  });

  it('AuditLog.verify() of a log with thousands of checkpoints yields to the event loop while it checks them', async () => {
    const storage = createMemoryAuditStorage();
    const log = createAuditLog({
      storage,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      checkpointIntervalMs: 0,
    });
    for (let index = 0; index < 2_000; index += 1) {
      await log.write(sampleEvent(index));
      await log.checkpoint();
    }
    let turns = 0;
    let verifying = true;
    const tick = (): void => {
      turns += 1;
      if (verifying) setImmediate(tick);
    };
    const report = log.verify().finally(() => {
      verifying = false;
    });
    setImmediate(tick);
    expect(await report).toMatchObject({ ok: true, validCheckpoints: 2_000 });
    expect(turns).toBeGreaterThanOrEqual(2);
    await log.close();
  }, 60_000);
});
