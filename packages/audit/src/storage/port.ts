/**
 * The storage port of the audit log: an append-only sequence of opaque records. Small on
 * purpose, so another backend (object storage, a database) needs four methods.
 *
 * @module
 */

/**
 * Append-only record storage. Records are numbered from 0 in append order. Implementations:
 * - must keep the order of `append` calls, even when called concurrently;
 * - may buffer appended records, but must make every record appended before a `sync()` durable
 *   when that `sync()` resolves (an acknowledged record survives a crash of the process); an
 *   `append` called while a `sync()` runs may proceed at once (the audit log keeps several batches
 *   going: the next sync covers it);
 * - must throw `InvalidInputError` for a range outside `[0, size]`;
 * - must never change a record once appended, and answer `read` of records already appended
 *   while later appends are in flight (`AuditLog.verify` reads while writes go on).
 */
export interface AuditStorage {
  /** The port version this backend implements. */
  readonly specificationVersion: 'audit-storage-v1';
  /** Names the backend, for example `file` or `memory`. */
  readonly providerId: string;
  /** Appends records in order; resolves with the new number of records. Not durable before {@link AuditStorage.sync}. */
  append(records: readonly Uint8Array[]): Promise<number>;
  /** Reads records `start` (inclusive) to `end` (exclusive). */
  read(start: number, end: number): Promise<Uint8Array[]>;
  /** The number of records. */
  size(): Promise<number>;
  /** Makes every record appended so far durable. */
  sync(): Promise<void>;
  /** Syncs and releases resources; later calls throw. */
  close(): Promise<void>;
}
