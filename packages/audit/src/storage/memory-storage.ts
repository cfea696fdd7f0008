/**
 * In-memory {@link AuditStorage}, for tests and for hosts that keep the log elsewhere.
 *
 * @module
 */
import { assertKnownOptions, BackendUnavailableError, InvalidInputError } from '@warden/core';
import type { AuditStorage } from './port.js';

/** Settings of {@link createMemoryAuditStorage}. */
export interface MemoryAuditStorageConfig {
  /** Records to start with (copied). @default [] */
  records?: readonly Uint8Array[];
}

/** Creates storage that lives as long as the returned object. */
export function createMemoryAuditStorage(given: MemoryAuditStorageConfig = {}): AuditStorage {
  assertKnownOptions(given, ['records'], 'memory audit storage config');
  const config: MemoryAuditStorageConfig = Object.assign(Object.create(null), given);
  const records = (config.records ?? []).map((record) => Uint8Array.from(record));
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new BackendUnavailableError({ backend: 'audit-memory', message: 'audit storage is closed' });
  };
  return {
    specificationVersion: 'audit-storage-v1',
    providerId: 'memory',
    async append(batch) {
      ensureOpen();
      for (const record of batch) records.push(Uint8Array.from(record));
      return records.length;
    },
    async read(start, end) {
      ensureOpen();
      checkRange(start, end, records.length);
      return records.slice(start, end).map((record) => Uint8Array.from(record));
    },
    async size() {
      ensureOpen();
      return records.length;
    },
    async sync() {
      ensureOpen();
    },
    async close() {
      closed = true;
    },
  };
}

/** Throws `INVALID_INPUT` unless `0 ≤ start ≤ end ≤ size` are integers. */
export function checkRange(start: number, end: number, size: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > size) {
    throw new InvalidInputError({
      message: `record range [${start}, ${end}) is outside the log of ${size} records`,
      issues: [{ path: 'start', message: `must satisfy 0 ≤ start ≤ end ≤ ${size}` }],
    });
  }
}
