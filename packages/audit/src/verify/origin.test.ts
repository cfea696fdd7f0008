import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditSignatureError } from '../errors.ts';
import { createAuditLog } from '../log/audit-log.ts';
import { ED25519_NOTE_TYPE, noteKeyId, rawPublicKey } from '../note/keys.ts';
import { createEd25519Witness } from '../note/witness.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import { sampleEvent, toBundle } from './test-support.ts';
import { verifyAuditLog } from './verifier.ts';

// Attacker: can write the log's files, not sign. The operator runs two logs with one signing key
// and different origins. An Ed25519 note signature covers the text, not the key name, so a
// signature line of log B can be relabelled as log A's (the key ID is public): B's checkpoints
// then carry a valid signature "by A" while their first line still says B.
function relabel(note: string, from: string, to: string, publicKey: KeyObject): string {
  const fromId = noteKeyId(from, ED25519_NOTE_TYPE, rawPublicKey(publicKey));
  const toId = noteKeyId(to, ED25519_NOTE_TYPE, rawPublicKey(publicKey));
  return note.replace(/^\u2014 (\S+) (\S+)$/gm, (line, name: string, base64: string) => {
    const decoded = Buffer.from(base64, 'base64');
    if (name !== from || Buffer.compare(decoded.subarray(0, 4), fromId) !== 0) return line;
    return `\u2014 ${to} ${Buffer.concat([toId, decoded.subarray(4)]).toString('base64')}`;
  });
}

async function logWith(origin: string, privateKey: KeyObject, size: number) {
  const storage = createMemoryAuditStorage();
  const checkpointStorage = createMemoryAuditStorage();
  const log = createAuditLog({ storage, checkpointStorage, signingKey: privateKey, origin, checkpointIntervalMs: 0 });
  for (let index = 0; index < size; index += 1) await log.write(sampleEvent(index));
  const { note } = await log.checkpoint();
  const records = await storage.read(0, await storage.size());
  const checkpoints = (await checkpointStorage.read(0, await checkpointStorage.size())).map((bytes) =>
    Buffer.from(bytes).toString('utf8'),
  );
  await log.close();
  return { records, checkpoints, note, verifierKey: log.verifierKey };
}

describe('origin confusion: a checkpoint of another log signed with the same key', () => {
  it("does not verify log B's entries and relabelled checkpoints as log A", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const a = await logWith('a.example/audit', privateKey, 3);
    const b = await logWith('b.example/audit', privateKey, 5);
    const forged = b.checkpoints.map((note) => relabel(note, 'b.example/audit', 'a.example/audit', publicKey));
    await expect(verifyAuditLog({ bundle: toBundle(b.records, forged), verifierKey: a.verifierKey })).rejects.toThrow(
      AuditSignatureError,
    );
  });

  it("refuses log B's relabelled checkpoint as a trusted checkpoint of log A", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const a = await logWith('a.example/audit', privateKey, 3);
    const b = await logWith('b.example/audit', privateKey, 5);
    await expect(
      verifyAuditLog({
        bundle: toBundle(b.records, []),
        verifierKey: a.verifierKey,
        trustedCheckpoint: relabel(b.note, 'b.example/audit', 'a.example/audit', publicKey),
      }),
    ).rejects.toThrow(AuditSignatureError);
  });

  it("reports log B's relabelled checkpoint stored among log A's", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const a = await logWith('a.example/audit', privateKey, 3);
    const b = await logWith('b.example/audit', privateKey, 3);
    const forged = relabel(b.checkpoints[0] as string, 'b.example/audit', 'a.example/audit', publicKey);
    const report = await verifyAuditLog({
      bundle: toBundle(a.records, [...a.checkpoints, forged]),
      verifierKey: a.verifierKey,
    });
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('checkpoint-invalid');
  });

  it("a log refuses to reopen on log B's relabelled checkpoint", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const b = await logWith('b.example/audit', privateKey, 2);
    const storage = createMemoryAuditStorage();
    const checkpointStorage = createMemoryAuditStorage();
    await storage.append(b.records);
    await checkpointStorage.append([
      Buffer.from(relabel(b.note, 'b.example/audit', 'a.example/audit', publicKey), 'utf8'),
    ]);
    const a = createAuditLog({
      storage,
      checkpointStorage,
      signingKey: privateKey,
      origin: 'a.example/audit',
      checkpointIntervalMs: 0,
    });
    await expect(a.size()).rejects.toThrow(AuditSignatureError);
    await a.close();
  });

  it("a witness of log A refuses to cosign log B's relabelled checkpoint", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const a = await logWith('a.example/audit', privateKey, 1);
    const b = await logWith('b.example/audit', privateKey, 4);
    const witness = createEd25519Witness({
      name: 'witness.example/w1',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      logVerifierKey: a.verifierKey,
    });
    const note = relabel(b.note, 'b.example/audit', 'a.example/audit', publicKey);
    await expect(witness.cosign({ note, oldSize: 0, consistencyProof: [] })).rejects.toThrow(AuditSignatureError);
    await expect(witness.cosign({ note: a.note, oldSize: 0, consistencyProof: [] })).resolves.toMatch(/^\u2014 /);
  });
});
