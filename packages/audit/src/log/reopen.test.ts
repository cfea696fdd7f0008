import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditLogTamperedError, AuditSignatureError } from '../errors.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import { sampleEvent } from '../verify/test-support.ts';
import { createAuditLog } from './audit-log.ts';

// Attacker: can write the log's storage, not sign. Reopening checks the log against the newest
// checkpoint it holds: the largest, wherever it is stored, not merely the last one stored.
describe('reopening a log whose storage was tampered with', () => {
  it('refuses to reopen a log cut back to an old checkpoint replayed after the newer one (AUDIT_LOG_TAMPERED)', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const storage = createMemoryAuditStorage();
    const checkpointStorage = createMemoryAuditStorage();
    const log = createAuditLog({ storage, checkpointStorage, signingKey, checkpointIntervalMs: 0 });
    for (let index = 0; index < 4; index += 1) await log.write(sampleEvent(index));
    const old = await log.checkpoint();
    for (let index = 4; index < 9; index += 1) await log.write(sampleEvent(index));
    await log.close();
    const notes = await checkpointStorage.read(0, await checkpointStorage.size());
    expect(notes.length).toBe(2);

    // Entries 4 to 8 cut off, and a copy of the checkpoint of size 4 stored after the one of size 9.
    const cutStorage = createMemoryAuditStorage({ records: await storage.read(0, 4) });
    const replayed = createMemoryAuditStorage({ records: [...notes, Buffer.from(old.note, 'utf8')] });
    const reopened = createAuditLog({
      storage: cutStorage,
      checkpointStorage: replayed,
      signingKey,
      checkpointIntervalMs: 0,
    });
    const error = await reopened.size().catch((caught: unknown) => caught);
    expect(AuditLogTamperedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'AUDIT_LOG_TAMPERED', problems: [expect.objectContaining({ index: 4 })] });
    await expect(reopened.write(sampleEvent(4))).rejects.toThrow();
    expect(await cutStorage.size()).toBe(4);
    await reopened.close();
  });

  it('still refuses to reopen when the note stored last is not signed by the log, even one older than the newest (AUDIT_SIGNATURE_INVALID)', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const storage = createMemoryAuditStorage();
    const checkpointStorage = createMemoryAuditStorage();
    const log = createAuditLog({ storage, checkpointStorage, signingKey, checkpointIntervalMs: 0 });
    for (let index = 0; index < 3; index += 1) await log.write(sampleEvent(index));
    const { note } = await log.checkpoint();
    await log.close();
    const forged = note.replace('\n3\n', '\n2\n');
    await checkpointStorage.append([Buffer.from(forged, 'utf8')]);
    const reopened = createAuditLog({ storage, checkpointStorage, signingKey, checkpointIntervalMs: 0 });
    await expect(reopened.size()).rejects.toThrow(AuditSignatureError);
    await reopened.close();
  });
});
