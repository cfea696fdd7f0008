import { generateKeyPairSync } from 'node:crypto';
import { InvalidInputError } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../log/audit-log.ts';
import { createEd25519Witness } from '../note/witness.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import { sampleEvent, toBundle } from './test-support.ts';
import { verifyAuditLog } from './verifier.ts';

const WITNESS = 'witness.example/w1';

// A log of 4 entries whose checkpoints at 2 and 4 were both cosigned by one witness.
async function witnessedLog() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const storage = createMemoryAuditStorage();
  const checkpointStorage = createMemoryAuditStorage();
  const origin = 'warden.test/audit';
  const probe = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: privateKey, origin });
  const witness = createEd25519Witness({
    name: WITNESS,
    privateKey: generateKeyPairSync('ed25519').privateKey,
    logVerifierKey: probe.verifierKey,
  });
  await probe.close();
  const log = createAuditLog({
    storage,
    checkpointStorage,
    signingKey: privateKey,
    origin,
    checkpointIntervalMs: 0,
    witnesses: [witness],
  });
  for (let index = 0; index < 4; index += 1) {
    await log.write(sampleEvent(index));
    if (index === 1) await log.checkpoint();
  }
  await log.checkpoint();
  const records = await storage.read(0, await storage.size());
  const checkpoints = (await checkpointStorage.read(0, await checkpointStorage.size())).map((bytes) =>
    Buffer.from(bytes).toString('utf8'),
  );
  await log.close();
  return { records, checkpoints, verifierKey: log.verifierKey, witnessKey: witness.verifierKey };
}

const withoutCosignatures = (note: string): string =>
  note
    .split('\n')
    .filter((line) => !line.startsWith(`\u2014 ${WITNESS} `))
    .join('\n');

describe('witness quorum', () => {
  it('a cosigned log meets its quorum', async () => {
    const log = await witnessedLog();
    const report = await verifyAuditLog({
      bundle: toBundle(log.records, log.checkpoints),
      verifierKey: log.verifierKey,
      witnesses: [log.witnessKey],
      witnessQuorum: 1,
    });
    expect(report.ok).toBe(true);
  });

  it('is checked on the newest checkpoint, not on an older cosigned one stored after it', async () => {
    // The witness did not cosign the checkpoint at 4 (it was down, or refused a split view); the
    // attacker stores a copy of the cosigned checkpoint at 2 after it.
    const log = await witnessedLog();
    const [older, newest] = log.checkpoints as [string, string];
    const report = await verifyAuditLog({
      bundle: toBundle(log.records, [older, withoutCosignatures(newest), older]),
      verifierKey: log.verifierKey,
      witnesses: [log.witnessKey],
      witnessQuorum: 1,
    });
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toContain('checkpoint-invalid');
  });

  it('counts a witness listed twice once', async () => {
    const log = await witnessedLog();
    const report = await verifyAuditLog({
      bundle: toBundle(log.records, log.checkpoints),
      verifierKey: log.verifierKey,
      witnesses: [log.witnessKey, log.witnessKey],
      witnessQuorum: 2,
    });
    expect(report.ok).toBe(false);
  });

  it('refuses a quorum that is not a non-negative integer instead of checking none', async () => {
    const log = await witnessedLog();
    const checkpoints = log.checkpoints.map(withoutCosignatures);
    for (const witnessQuorum of [Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY]) {
      await expect(
        verifyAuditLog({
          bundle: toBundle(log.records, checkpoints),
          verifierKey: log.verifierKey,
          witnesses: [log.witnessKey],
          witnessQuorum,
        }),
      ).rejects.toThrow(InvalidInputError);
    }
  });
});
