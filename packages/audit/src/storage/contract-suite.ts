/**
 * The contract every {@link AuditStorage} backend passes. A backend's test calls
 * `runAuditStorageContract` with a factory; `reopen` (for durable backends) opens the same
 * storage again after `close()`.
 *
 * @module
 */
import { InvalidInputError, WardenError } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditStorage } from './port.js';

/** A storage under test and how to get rid of it. */
interface AuditStorageSubject {
  /** The storage under test. */
  storage: AuditStorage;
  /** Opens the same storage again (durable backends only). */
  reopen?: () => AuditStorage;
  /** Releases everything the subject created. */
  cleanup: () => Promise<void>;
}

/** How to run the contract for one backend. */
export interface AuditStorageContractConfig {
  /** Names the backend in test titles. */
  name: string;
  /** Creates a fresh, empty storage. */
  createSubject: () => Promise<AuditStorageSubject>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (record: Uint8Array): string => new TextDecoder().decode(record);

/** Registers the contract tests of the audit storage port. */
export function runAuditStorageContract(config: AuditStorageContractConfig): void {
  describe(`AuditStorage contract: ${config.name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    });
    const subject = async (): Promise<AuditStorageSubject> => {
      const created = await config.createSubject();
      cleanups.push(created.cleanup);
      return created;
    };

    it('declares the port version it implements', async () => {
      const { storage } = await subject();
      expect(storage.specificationVersion).toBe('audit-storage-v1');
      expect(typeof storage.providerId).toBe('string');
    });

    it('append(records) returns the new size and read(start, end) returns the records in order', async () => {
      const { storage } = await subject();
      expect(await storage.size()).toBe(0);
      expect(await storage.append([bytes('a'), bytes('b')])).toBe(2);
      expect(await storage.append([])).toBe(2);
      expect(await storage.append([bytes(''), bytes('d'.repeat(70_000))])).toBe(4);
      expect(await storage.size()).toBe(4);
      expect((await storage.read(0, 4)).map(text)).toEqual(['a', 'b', '', 'd'.repeat(70_000)]);
      expect((await storage.read(1, 2)).map(text)).toEqual(['b']);
      expect(await storage.read(4, 4)).toEqual([]);
    });

    it('append(records) called concurrently keeps call order', async () => {
      const { storage } = await subject();
      await Promise.all(Array.from({ length: 50 }, (_, index) => storage.append([bytes(String(index))])));
      expect((await storage.read(0, 50)).map(text)).toEqual(Array.from({ length: 50 }, (_, index) => String(index)));
    });

    it('read(start, end) called while appends are in flight returns the records appended before it, unchanged', async () => {
      const { storage } = await subject();
      await storage.append([bytes('a'), bytes('b')]);
      const appends = Array.from({ length: 20 }, (_, index) => storage.append([bytes(`later ${index}`)]));
      const reads = Array.from({ length: 5 }, () => storage.read(0, 2));
      await Promise.all(appends);
      for (const read of await Promise.all(reads)) expect(read.map(text)).toEqual(['a', 'b']);
      expect(await storage.size()).toBe(22);
    });

    it('a record changed by the caller after append(records) or read() is not changed in storage', async () => {
      const { storage } = await subject();
      const record = bytes('original');
      await storage.append([record]);
      record.fill(0);
      const [read] = await storage.read(0, 1);
      read?.fill(0);
      expect((await storage.read(0, 1)).map(text)).toEqual(['original']);
    });

    it('read(start, end) outside [0, size] throws InvalidInputError', async () => {
      const { storage } = await subject();
      await storage.append([bytes('a')]);
      for (const [start, end] of [
        [0, 2],
        [-1, 1],
        [1, 0],
        [0.5, 1],
      ] as const) {
        await expect(storage.read(start, end)).rejects.toSatisfy((error: unknown) =>
          InvalidInputError.isInstance(error),
        );
      }
    });

    it('sync() resolves, and after close() every call throws a WardenError', async () => {
      const { storage } = await subject();
      await storage.append([bytes('a')]);
      await storage.sync();
      await storage.close();
      await expect(storage.append([bytes('b')])).rejects.toSatisfy((error: unknown) => WardenError.isInstance(error));
      await expect(storage.size()).rejects.toSatisfy((error: unknown) => WardenError.isInstance(error));
    });

    it('append(records) called while a sync() runs goes after the records it covers; the next sync() covers it (the audit log keeps batches going)', async () => {
      const { storage, reopen } = await subject();
      await storage.append([bytes('a')]);
      const syncing = storage.sync();
      const appended = storage.append([bytes('b'), bytes('c')]);
      const [, size] = await Promise.all([syncing, appended]);
      expect(size).toBe(3);
      await storage.sync();
      await storage.close();
      if (!reopen) return;
      const reopened = reopen();
      expect((await reopened.read(0, await reopened.size())).map(text)).toEqual(['a', 'b', 'c']);
      await reopened.close();
    });

    it('records synced before close() are there after reopening (durable backends)', async () => {
      const { storage, reopen } = await subject();
      if (!reopen) return;
      await storage.append([bytes('a'), bytes('b')]);
      await storage.sync();
      await storage.close();
      const reopened = reopen();
      expect((await reopened.read(0, await reopened.size())).map(text)).toEqual(['a', 'b']);
      expect(await reopened.append([bytes('c')])).toBe(3);
      await reopened.close();
    });
  });
}
