import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecurityEvent, WardenError } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyConsistency, verifyInclusion } from '../merkle/proof.ts';
import { parseCheckpoint } from '../note/checkpoint.ts';
import { verifyCosignature } from '../note/cosignature.ts';
import { parseVerifierKey } from '../note/keys.ts';
import { verifyNote } from '../note/signed-note.ts';
import { createEd25519Witness } from '../note/witness.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import type { AuditStorage } from '../storage/port.ts';
import { type AuditFailure, createAuditLog } from './index.ts';

const event = (index: number, details: Record<string, unknown> = {}): SecurityEvent => ({
  type: 'access_granted',
  timestamp: 1_700_000_000_000 + index,
  session: `session-${index}`,
  details: { tool: 'fs.read', index, ...details },
});

const signingKey = () => generateKeyPairSync('ed25519').privateKey;

describe('createAuditLog', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-log-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('write(event) resolves once durable; checkpoint() signs a C2SP checkpoint of everything acknowledged', async () => {
    const key = signingKey();
    const log = createAuditLog({ directory, signingKey: key, origin: 'warden.test/audit', checkpointIntervalMs: 0 });
    await Promise.all(Array.from({ length: 10 }, (_, index) => log.write(event(index))));
    expect(await log.size()).toBe(10);
    const { note, checkpoint } = await log.checkpoint();
    const vkey = parseVerifierKey(log.verifierKey);
    expect(vkey.name).toBe('warden.test/audit');
    expect(parseCheckpoint(verifyNote(note, vkey.name, vkey.publicKey))).toEqual(checkpoint);
    expect(note.split('\n').slice(0, 2)).toEqual(['warden.test/audit', '10']);
    expect(await log.verify({ trustedCheckpoint: note })).toMatchObject({ ok: true, size: 10, verifiedSize: 10 });
    for (const index of [0, 5, 9]) {
      const { leafHash, proof } = await log.inclusionProof(index);
      expect(verifyInclusion(index, 10, leafHash, proof, checkpoint.rootHash)).toBe(true);
    }
    await log.close();
  });

  it('reopening rebuilds the same tree; consistency proofs link the old and new checkpoints', async () => {
    const key = signingKey();
    const first = createAuditLog({ directory, signingKey: key, checkpointIntervalMs: 0 });
    for (let index = 0; index < 7; index += 1) await first.write(event(index));
    const old = await first.checkpoint();
    await first.close();
    const second = createAuditLog({ directory, signingKey: key, checkpointIntervalMs: 0 });
    expect((await second.latestCheckpoint())?.checkpoint.size).toBe(7);
    for (let index = 7; index < 19; index += 1) await second.write(event(index));
    const next = await second.checkpoint();
    const proof = await second.consistencyProof(7);
    expect(verifyConsistency(7, 19, proof, old.checkpoint.rootHash, next.checkpoint.rootHash)).toBe(true);
    expect((await second.entry(7)).seq).toBe(7);
    await second.close();
  });

  it('a reader of the log (anyone with file access) sees no secret: secrets become keyed HMACs that still correlate', async () => {
    const storage = createMemoryAuditStorage();
    const log = createAuditLog({ storage, signingKey: signingKey(), redactionKey: new Uint8Array(32).fill(1) });
    await log.write(event(0, { githubToken: 'ghp_secretvalue', nested: { password: 'hunter2' } }));
    await log.write(event(1, { apiKey: 'ghp_secretvalue', note: 'Bearer abcdefghijklmnop', secretName: 'deploy' }));
    const stored = (await storage.read(0, 2)).map((record) => Buffer.from(record).toString('utf8'));
    expect(stored.join('')).not.toMatch(/ghp_secretvalue|hunter2|abcdefghijklmnop/);
    const first = (await log.entry(0)).event.details;
    const second = (await log.entry(1)).event.details;
    expect(first.githubToken).toMatch(/^hmac-sha256:/);
    expect(first.githubToken).toBe(second.apiKey);
    expect(second.note).toMatch(/^hmac-sha256:/);
    expect(second.secretName).toBe('deploy');
    await log.close();
  });

  it('close() writes a last checkpoint and leaves a storage it was given open', async () => {
    const storage = createMemoryAuditStorage();
    const checkpointStorage = createMemoryAuditStorage();
    const log = createAuditLog({ storage, checkpointStorage, signingKey: signingKey(), checkpointIntervalMs: 0 });
    await log.write(event(0));
    await log.close();
    expect(await storage.size()).toBe(1);
    expect(await checkpointStorage.size()).toBe(1);
    await expect(log.write(event(1))).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('an event too large for an entry (a huge argument echoed into details) is recorded as a stand-in with its size and SHA-256; every entry survives a reopen', async () => {
    const key = signingKey();
    const log = createAuditLog({ directory, signingKey: key });
    await log.write(event(0));
    const bare = JSON.stringify({ type: 'access_granted', timestamp: 1, details: { big: '' } }).length;
    const carrying = (text: string): SecurityEvent => ({
      type: 'access_granted',
      timestamp: 1,
      details: { big: text },
    });
    const limit = 16 * 1024 * 1024 - 96;
    // The largest event that fits, one byte more in ASCII, and fewer characters than the limit
    // that are more bytes than it (three per "€").
    const largest = carrying('x'.repeat(limit - bare));
    const oversized = [carrying('x'.repeat(limit - bare + 1)), carrying('€'.repeat(Math.ceil(limit / 3)))];
    await log.write(largest);
    for (const tooLarge of oversized) await log.write(tooLarge);
    await log.write(event(4));
    expect(await log.size()).toBe(5);
    await log.close();
    // Before, a larger entry was acknowledged, then read back as a torn write that cut it and every later entry.
    const reopened = createAuditLog({ directory, signingKey: key });
    expect(await reopened.size()).toBe(5);
    expect((await reopened.entry(1)).event.details.big).toHaveLength(limit - bare);
    for (const [offset, tooLarge] of oversized.entries()) {
      const json = JSON.stringify(tooLarge);
      expect((await reopened.entry(2 + offset)).event).toEqual({
        type: 'access_granted',
        timestamp: 1,
        details: {
          auditEntryTooLarge: {
            bytes: Buffer.byteLength(json),
            sha256: createHash('sha256').update(json).digest('hex'),
          },
        },
      });
    }
    expect((await reopened.entry(4)).event.details.index).toBe(4);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('writes a checkpoint once checkpointIntervalMs has passed on the injected clock, and none before', async () => {
    let now = 0;
    const { log, checkpointStorage } = checkpointingLog(() => now);
    await log.write(event(0));
    await log.size();
    expect(await checkpointStorage.size()).toBe(0);
    now = 1000;
    await log.write(event(1));
    await log.size();
    expect(await checkpointStorage.size()).toBe(1);
    expect((await log.latestCheckpoint())?.checkpoint.size).toBe(2);
    await log.close();
  });

  it('a wall clock stepped back an hour (a fault is an attacker) delays no checkpoint: the interval is monotonic', async () => {
    const monotonic = vi.spyOn(performance, 'now').mockReturnValue(10_000);
    const wall = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const { log, checkpointStorage } = checkpointingLog();
    try {
      await log.write(event(0));
      await log.size();
      wall.mockReturnValue(1_700_000_000_000 - 3_600_000);
      monotonic.mockReturnValue(11_000);
      await log.write(event(1));
      await log.size();
      // Timed on the wall clock, the next checkpoint waited for the hour to pass again.
      expect(await checkpointStorage.size()).toBe(1);
    } finally {
      vi.restoreAllMocks();
      await log.close();
    }
  });

  it('keeps writing a checkpoint every checkpointIntervalMs while writes never stop (no pause needed)', async () => {
    let now = 0;
    // Every reading of the clock moves it on: 400 writes span many intervals.
    const { log, checkpointStorage } = checkpointingLog(() => (now += 100));
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < 400) await log.write(event(next++));
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    const during = await checkpointStorage.size();
    await log.close();
    expect(during).toBeGreaterThanOrEqual(2);
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, size: 400 });
  });

  it('verify() of a large log holds up no write: a write issued while it runs is acknowledged before it resolves', async () => {
    const log = createAuditLog({
      storage: createMemoryAuditStorage(),
      signingKey: signingKey(),
      checkpointIntervalMs: 0,
    });
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < 20_000) await log.write(event(next++));
    };
    await Promise.all(Array.from({ length: 64 }, writer));
    await log.checkpoint();
    const settled: string[] = [];
    const verified = log.verify().then((report) => {
      settled.push('verify');
      return report;
    });
    const written = log.write(event(next++)).then(() => settled.push('write'));
    await Promise.all([verified, written]);
    expect(settled).toEqual(['write', 'verify']);
    expect(await verified).toMatchObject({ ok: true, size: 20_000, verifiedSize: 20_000 });
    expect(await log.size()).toBe(20_001);
    await log.close();
  });

  it('witnesses cosign each checkpoint after checking consistency (c2sp tlog-cosignature)', async () => {
    const key = signingKey();
    const logVerifierKey = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: key }).verifierKey;
    const witness = createEd25519Witness({
      name: 'witness.test/w1',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      logVerifierKey,
      now: () => 1_700_000_000_000,
    });
    const log = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: key, witnesses: [witness] });
    await log.write(event(0));
    await log.checkpoint();
    await log.write(event(1));
    await log.write(event(2));
    const { note } = await log.checkpoint();
    const witnessKey = parseVerifierKey(witness.verifierKey);
    expect(verifyCosignature(note, witness.name, witnessKey.publicKey)).toBe(1_700_000_000);
    await log.close();
  });

  it('a witness (maybe a remote service) that returns anything but one cosignature line under its name is left out; the log reopens and verifies', async () => {
    const key = signingKey();
    const logVerifierKey = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: key }).verifierKey;
    const honest = createEd25519Witness({
      name: 'witness.test/honest',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      logVerifierKey,
    });
    const replies = [
      'garbage\n',
      '\n\nextra text\n',
      '\u2014 witness.test/bad AAAAAAAA',
      '\u2014 witness.test/bad AAAAAAAA\n\u2014 witness.test/bad AAAAAAAA\n',
      '\u2014 someone.else/w AAAAAAAA\n',
      '\u2014 witness.test/bad AA==\n',
      `\u2014 witness.test/bad ${'A'.repeat(17 * 1024 * 1024)}\n`,
    ];
    const liars = replies.map((reply) => ({ name: 'witness.test/bad', cosign: async () => reply }));
    const failures: AuditFailure[] = [];
    const log = createAuditLog({
      directory,
      signingKey: key,
      witnesses: [...liars, honest],
      onFailure: (failure) => failures.push(failure),
    });
    await log.write(event(0));
    const { note } = await log.checkpoint();
    expect(failures).toHaveLength(replies.length);
    expect(failures.every((failure) => !failure.closed && failure.lostEvents === 0)).toBe(true);
    expect(failures.map((failure) => (failure.error as { code?: string }).code)).toEqual(
      replies.map(() => 'AUDIT_SIGNATURE_INVALID'),
    );
    expect(note).not.toContain('witness.test/bad');
    expect(verifyCosignature(note, honest.name, parseVerifierKey(honest.verifierKey).publicKey)).toBeGreaterThan(0);
    log.assertWritable();
    await log.write(event(1));
    await log.close();
    const reopened = createAuditLog({ directory, signingKey: key });
    expect(await reopened.size()).toBe(2);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('a witness refuses a checkpoint that does not extend the one it cosigned (a log showing a split view)', async () => {
    const key = signingKey();
    const failures: AuditFailure[] = [];
    const logVerifierKey = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: key }).verifierKey;
    const witness = createEd25519Witness({
      name: 'witness.test/w1',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      logVerifierKey,
    });
    const honest = createAuditLog({ storage: createMemoryAuditStorage(), signingKey: key, witnesses: [witness] });
    await honest.write(event(0));
    await honest.checkpoint();
    const forked = createAuditLog({
      storage: createMemoryAuditStorage(),
      signingKey: key,
      witnesses: [witness],
      onFailure: (failure) => failures.push(failure),
    });
    await forked.write(event(99));
    await forked.write(event(100));
    const { note } = await forked.checkpoint();
    expect(note).not.toContain('witness.test/w1');
    expect(failures[0]?.error).toMatchObject({ code: 'AUDIT_LOG_TAMPERED' });
  });
});

describe('createAuditLog fails closed (a full or failing disk)', () => {
  function failingStorage(): AuditStorage & { broken: boolean } {
    const inner = createMemoryAuditStorage();
    const storage = {
      ...inner,
      broken: false,
      async append(records: readonly Uint8Array[]) {
        if (storage.broken) throw new Error('ENOSPC: no space left on device');
        return inner.append(records);
      },
    };
    return storage;
  }

  it('by default a failed append rejects the write, tells the host, and refuses every later write', async () => {
    const storage = failingStorage();
    const failures: AuditFailure[] = [];
    const log = createAuditLog({ storage, signingKey: signingKey(), onFailure: (failure) => failures.push(failure) });
    await log.write(event(0));
    log.assertWritable();
    storage.broken = true;
    await expect(log.write(event(1))).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(failures).toEqual([expect.objectContaining({ lostEvents: 1, closed: true })]);
    expect(() => log.assertWritable()).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
    storage.broken = false;
    await expect(log.write(event(2))).rejects.toSatisfy((error: unknown) => WardenError.isInstance(error));
    expect(await log.size()).toBe(1);
  });

  it("failureMode: 'fail-open' reports the lost batch and accepts later writes", async () => {
    const storage = failingStorage();
    const failures: AuditFailure[] = [];
    const log = createAuditLog({
      storage,
      signingKey: signingKey(),
      failureMode: 'fail-open',
      onFailure: (failure) => failures.push(failure),
    });
    storage.broken = true;
    await expect(log.write(event(0))).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(failures).toEqual([expect.objectContaining({ lostEvents: 1, closed: false })]);
    storage.broken = false;
    await log.write(event(1));
    log.assertWritable();
    expect((await log.entry(0)).event.details.index).toBe(1);
  });

  it('commits at most batchMaxEntries writes together, in order, and settles each batch on its own', async () => {
    const inner = createMemoryAuditStorage();
    const appended: number[] = [];
    let call = 0;
    const storage: AuditStorage = {
      ...inner,
      async append(records: readonly Uint8Array[]) {
        call += 1;
        appended.push(records.length);
        if (call === 2) throw new Error('EIO: the second batch fails');
        return inner.append(records);
      },
    };
    const failures: AuditFailure[] = [];
    const log = createAuditLog({
      storage,
      signingKey: signingKey(),
      batchMaxEntries: 3,
      failureMode: 'fail-open',
      onFailure: (failure) => failures.push(failure),
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => log.write(event(index))));
    expect(appended).toEqual([3, 3, 2]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(failures).toEqual([expect.objectContaining({ lostEvents: 3, closed: false })]);
    const stored = await Promise.all([0, 1, 2, 3, 4].map((index) => log.entry(index)));
    expect(stored.map((entry) => [entry.seq, entry.event.details.index])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 6],
      [4, 7],
    ]);
  });

  it('refuses invalid settings with INVALID_INPUT naming the field', () => {
    expect(() => createAuditLog({ signingKey: signingKey() })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'directory' })] }),
    );
    expect(() => createAuditLog({ directory: '/tmp/x', signingKey: 'not a key' })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'signingKey' })] }),
    );
    expect(() => createAuditLog({ directory: '/tmp/x', signingKey: signingKey(), checkpointIntervalMs: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('createAuditLog group commit (batches appended while the syncs before them run)', () => {
  // Memory storage whose every sync() waits until the test settles it.
  function gatedStorage(): AuditStorage & {
    calls: string[];
    syncs: { resolve: () => void; reject: (error: unknown) => void }[];
  } {
    const inner = createMemoryAuditStorage();
    const calls: string[] = [];
    const syncs: { resolve: () => void; reject: (error: unknown) => void }[] = [];
    return {
      ...inner,
      calls,
      syncs,
      async append(records: readonly Uint8Array[]) {
        calls.push(`append ${records.length}`);
        return inner.append(records);
      },
      sync() {
        calls.push('sync');
        return new Promise<void>((resolve, reject) => syncs.push({ resolve, reject }));
      },
    };
  }

  const settledIndexes = (outcomes: PromiseSettledResult<unknown>[], status: 'fulfilled' | 'rejected'): number[] =>
    outcomes.flatMap((outcome, index) => (outcome.status === status ? [index] : []));

  it('splits writers that wait together into three batches, appends each while the syncs before it run, and acknowledges a write only once a sync after its append resolved', async () => {
    const storage = gatedStorage();
    const log = createAuditLog({ storage, signingKey: signingKey(), checkpointIntervalMs: 0 });
    const acknowledged: number[] = [];
    const writes = Array.from({ length: 200 }, (_, index) =>
      log.write(event(index)).then(() => {
        acknowledged.push(index);
      }),
    );
    // 200 writes wait in chunks of 64: the first batch takes its share of the four chunks, and the
    // rest follow while its sync is pending.
    await vi.waitFor(
      () => expect(storage.calls).toEqual(['append 128', 'sync', 'append 64', 'sync', 'append 8', 'sync']),
      { timeout: 90_000 },
    );
    expect(acknowledged).toEqual([]);
    storage.syncs[0]?.resolve();
    await Promise.all(writes.slice(0, 128));
    expect(acknowledged).toHaveLength(128);
    // The third sync covers the second batch too: both are acknowledged, in order.
    storage.syncs[2]?.resolve();
    await Promise.all(writes);
    expect(acknowledged).toEqual(Array.from({ length: 200 }, (_, index) => index));
    storage.syncs[1]?.resolve();
    expect(await log.size()).toBe(200);
    const checkpoint = await log.checkpoint();
    expect(checkpoint.checkpoint.size).toBe(200);
    expect((await log.entry(199)).event.details.index).toBe(199);
    await log.close();
  });

  it('a failed sync refuses every batch appended after it, even one whose own sync then succeeds (it chains on lost entries); the batch before it stays acknowledged', async () => {
    const storage = gatedStorage();
    const failures: AuditFailure[] = [];
    const log = createAuditLog({
      storage,
      signingKey: signingKey(),
      checkpointIntervalMs: 0,
      onFailure: (failure) => failures.push(failure),
    });
    const writes = Array.from({ length: 200 }, (_, index) => log.write(event(index)));
    await vi.waitFor(() => expect(storage.syncs).toHaveLength(3), { timeout: 90_000 });
    storage.syncs[0]?.resolve();
    storage.syncs[1]?.reject(new Error('EIO: fdatasync failed'));
    storage.syncs[2]?.resolve();
    const outcomes = await Promise.allSettled(writes);
    expect(settledIndexes(outcomes, 'fulfilled')).toEqual(Array.from({ length: 128 }, (_, index) => index));
    for (const outcome of outcomes.slice(128)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'BACKEND_UNAVAILABLE' } });
    }
    expect(failures).toEqual([expect.objectContaining({ lostEvents: 72, closed: true })]);
    expect(await log.size()).toBe(128);
    expect(() => log.assertWritable()).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
  });

  it('a checkpoint, a proof and verify() cover only acknowledged entries, never a batch whose sync is pending', async () => {
    const storage = gatedStorage();
    const log = createAuditLog({ storage, signingKey: signingKey(), checkpointIntervalMs: 0 });
    const first = log.write(event(0));
    await vi.waitFor(() => expect(storage.syncs).toHaveLength(1), { timeout: 90_000 });
    storage.syncs[0]?.resolve();
    await first;
    const second = log.write(event(1));
    await vi.waitFor(() => expect(storage.syncs).toHaveLength(2), { timeout: 90_000 });
    // The reader waits for the pending sync instead of signing or proving an entry not yet durable.
    const size = log.size();
    const checkpoint = log.checkpoint();
    storage.syncs[1]?.reject(new Error('EIO: fdatasync failed'));
    await expect(second).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await size).toBe(1);
    await expect(checkpoint).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(log.inclusionProof(1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

/** A log over memory storage that checkpoints every second (on `now` when given) into the returned storage. */
function checkpointingLog(now?: () => number) {
  const checkpointStorage = createMemoryAuditStorage();
  const log = createAuditLog({
    storage: createMemoryAuditStorage(),
    checkpointStorage,
    signingKey: signingKey(),
    checkpointIntervalMs: 1000,
    ...(now ? { now } : {}),
  });
  return { log, checkpointStorage };
}
