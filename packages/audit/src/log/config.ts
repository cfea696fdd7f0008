/**
 * The settings of `createAuditLog` and their parsed form.
 *
 * @module
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { assertKnownOptions, type Clock, InvalidInputError, monotonicClock } from '@warden/core';
import { type Ed25519PrivateKeyInput, toEd25519PrivateKey } from '../note/keys.js';
import type { AuditWitness } from '../note/witness.js';
import { createFileAuditStorage } from '../storage/file-storage.js';
import { createMemoryAuditStorage } from '../storage/memory-storage.js';
import type { AuditStorage } from '../storage/port.js';
import type { AuditTelemetryConfig } from './telemetry.js';

/** Why the host is told about a failed append. */
export interface AuditFailure {
  /** The error the storage threw. */
  error: unknown;
  /** How many events the failed batch held. */
  lostEvents: number;
  /** True when the log now refuses every write (`failureMode: 'fail-closed'`). */
  closed: boolean;
}

/** Settings of {@link createAuditLog}. */
export interface AuditLogConfig {
  /** Directory of the embedded file backend (entries in `entries/`, checkpoints in `checkpoints/`). Required unless `storage` is given. */
  directory?: string;
  /** Entry storage to use instead of files (for example `createMemoryAuditStorage()`); `close()` leaves a given storage open. */
  storage?: AuditStorage;
  /** Checkpoint storage to use with `storage`. @default a memory storage */
  checkpointStorage?: AuditStorage;
  /** The log's Ed25519 private key (a `KeyObject`, PEM, or 32-byte seed); signs checkpoints. */
  signingKey: Ed25519PrivateKeyInput;
  /** The log's identity: the first line of its checkpoints and its key name. @default 'warden.local/audit' */
  origin?: string;
  /** Key of the HMACs that replace secrets (at least 16 bytes). @default derived from `signingKey` */
  redactionKey?: Uint8Array;
  /** A checkpoint is written once this long has passed since the last one and entries were added; `0` writes only on demand. @default 1000 */
  checkpointIntervalMs?: number;
  /** Witnesses asked to cosign each checkpoint. A witness that fails is reported to `onFailure`, never blocks the log. @default [] */
  witnesses?: readonly AuditWitness[];
  /**
   * What happens when an append cannot be made durable. `'fail-closed'` (Vault's behaviour):
   * the log refuses every later write and `assertWritable()` throws, so a host that calls it
   * before serving stops serving. `'fail-open'`: the failed batch is reported and lost, later
   * writes are tried again.
   * @default 'fail-closed'
   */
  failureMode?: 'fail-closed' | 'fail-open';
  /** Told about every failed append and witness. @default none (the write's promise still rejects) */
  onFailure?: (failure: AuditFailure) => void;
  /** Most entries in one storage batch. @default 4096 */
  batchMaxEntries?: number;
  /**
   * Most entries `verify()` reads (and so holds) at once: it streams the log a slice at a time,
   * keeping only the Merkle frontier between slices, so its memory does not grow with the log.
   * 1–1,048,576. @default 16384
   */
  verifySliceEntries?: number;
  /**
   * Time source for the checkpoint interval (a witness stamps cosignatures with its own clock).
   * The default is monotonic, so a wall clock that steps back cannot hold checkpoints for the
   * step. @default performance.now
   */
  now?: Clock;
  /** OpenTelemetry providers for decision spans and metrics. @default the global providers of `@opentelemetry/api` (no-ops without an SDK) */
  telemetry?: AuditTelemetryConfig;
}

/** The parsed settings. */
export interface ResolvedAuditLogConfig {
  storage: AuditStorage;
  checkpointStorage: AuditStorage;
  /** The storages created here, which `close()` closes (given ones stay open). */
  ownedStorages: AuditStorage[];
  privateKey: KeyObject;
  publicKey: KeyObject;
  origin: string;
  redactionKey: Uint8Array;
  checkpointIntervalMs: number;
  witnesses: readonly AuditWitness[];
  failureMode: 'fail-closed' | 'fail-open';
  onFailure: (failure: AuditFailure) => void;
  batchMaxEntries: number;
  verifySliceEntries: number;
  now: Clock;
  telemetry: AuditTelemetryConfig;
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError({ message: `${path}: ${message}`, issues: [{ path, message }] });
}

function nonNegativeInteger(value: number | undefined, fallback: number, path: string): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < 0) throw invalid(path, 'must be a non-negative integer');
  return resolved;
}

const AUDIT_LOG_OPTIONS: readonly (keyof AuditLogConfig)[] = [
  'directory',
  'storage',
  'checkpointStorage',
  'signingKey',
  'origin',
  'redactionKey',
  'checkpointIntervalMs',
  'witnesses',
  'failureMode',
  'onFailure',
  'batchMaxEntries',
  'verifySliceEntries',
  'now',
  'telemetry',
];

/** Parses the settings once; throws `INVALID_INPUT` naming the field (an unknown one included). */
export function resolveAuditLogConfig(given: AuditLogConfig): ResolvedAuditLogConfig {
  if (typeof given !== 'object' || given === null) throw invalid('config', 'must be an object');
  assertKnownOptions(given, AUDIT_LOG_OPTIONS, 'audit log config');
  // Own fields only, in an object with no prototype: an Object.prototype.failureMode ('fail-open'),
  // .storage or .redactionKey set by another library must not decide how this log fails, where
  // its entries go or who can undo its redaction.
  const config: AuditLogConfig = Object.assign(Object.create(null), given);
  if (!config.storage && (typeof config.directory !== 'string' || config.directory === '')) {
    throw invalid('directory', 'is required unless storage is given');
  }
  const privateKey = toEd25519PrivateKey(config.signingKey, 'signingKey');
  const origin = config.origin ?? 'warden.local/audit';
  if (!/^[^\s+]+$/.test(origin)) throw invalid('origin', 'must be non-empty, without spaces or "+"');
  if (
    config.redactionKey !== undefined &&
    (!(config.redactionKey instanceof Uint8Array) || config.redactionKey.length < 16)
  ) {
    throw invalid('redactionKey', 'must be at least 16 bytes');
  }
  const failureMode = config.failureMode ?? 'fail-closed';
  if (failureMode !== 'fail-closed' && failureMode !== 'fail-open')
    throw invalid('failureMode', "must be 'fail-closed' or 'fail-open'");
  const verifySliceEntries = nonNegativeInteger(config.verifySliceEntries, 16_384, 'verifySliceEntries');
  if (verifySliceEntries < 1 || verifySliceEntries > 1_048_576) {
    throw invalid('verifySliceEntries', 'must be a whole number from 1 to 1048576');
  }
  const directory = config.directory ?? '';
  const storage = config.storage ?? createFileAuditStorage({ directory: join(directory, 'entries') });
  const checkpointStorage =
    config.checkpointStorage ??
    (config.storage
      ? createMemoryAuditStorage()
      : createFileAuditStorage({ directory: join(directory, 'checkpoints') }));
  return {
    storage,
    checkpointStorage,
    ownedStorages: [...(config.storage ? [] : [storage]), ...(config.checkpointStorage ? [] : [checkpointStorage])],
    privateKey,
    publicKey: createPublicKey(privateKey),
    origin,
    redactionKey: config.redactionKey ?? deriveRedactionKey(privateKey),
    checkpointIntervalMs: nonNegativeInteger(config.checkpointIntervalMs, 1000, 'checkpointIntervalMs'),
    witnesses: config.witnesses ?? [],
    failureMode,
    onFailure: config.onFailure ?? (() => {}),
    batchMaxEntries: Math.max(1, nonNegativeInteger(config.batchMaxEntries, 4096, 'batchMaxEntries')),
    verifySliceEntries,
    // The interval is a duration: the wall clock stepping back an hour delayed the next checkpoint an hour.
    now: config.now ?? monotonicClock,
    telemetry: config.telemetry ?? {},
  };
}

function deriveRedactionKey(privateKey: KeyObject): Uint8Array {
  const secret = privateKey.export({ format: 'jwk' }).d ?? '';
  return createHash('sha256').update('warden-audit redaction key\n').update(secret).digest();
}
