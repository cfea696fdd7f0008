/**
 * `createAuditLog`: core's `AuditSink` as an append-only RFC 6962 Merkle log. Writes are
 * redacted, grouped into batches, appended and synced; a write's promise resolves once its
 * entry is durable. Checkpoints are signed at an interval and on demand.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { type AuditSink, BackendUnavailableError, InvalidInputError, type SecurityEvent } from '@warden/core';
import { AuditLogTamperedError, AuditSignatureError } from '../errors.js';
import { equalHashes, hashLeaf } from '../merkle/hash.js';
import { MerkleTree } from '../merkle/tree.js';
import { type Checkpoint, formatCheckpoint, verifyCheckpointNote } from '../note/checkpoint.js';
import { formatVerifierKey } from '../note/keys.js';
import { signNote } from '../note/signed-note.js';
import { type AuditRecordSource, type AuditVerificationReport, verifyAuditRecords } from '../verify/verifier.js';
import { type AuditLogConfig, type ResolvedAuditLogConfig, resolveAuditLogConfig } from './config.js';
import { type AuditEntry, decodeEntry, encodeEntries, oversizedEventBytes } from './entry.js';
import { storedCheckpointNotes } from './newest-checkpoint.js';
import { createHmacRedactor, type HmacRedactor } from './redaction.js';
import { type AuditTelemetry, createAuditTelemetry, type DecisionTrace } from './telemetry.js';

/** A checkpoint and the signed note that carries it. */
export interface SignedCheckpoint {
  /** The note: checkpoint text, blank line, the log's signature and any cosignatures. */
  note: string;
  /** The parsed checkpoint. */
  checkpoint: Checkpoint;
}

/** The audit log: an `AuditSink` with proofs, checkpoints and a clean shutdown. */
export interface AuditLog extends AuditSink {
  /** The log's identity (first line of its checkpoints). */
  readonly origin: string;
  /** The C2SP verifier key readers check checkpoints with (`<origin>+<key id>+<base64 key>`). */
  readonly verifierKey: string;
  /** Redacts and appends one event; resolves once it is durable (acknowledged), rejects when it is not. */
  write(event: SecurityEvent): Promise<void>;
  /** Signs a checkpoint of everything acknowledged so far (cosigned by the witnesses) and stores it. */
  checkpoint(): Promise<SignedCheckpoint>;
  /** The newest stored checkpoint, if any. */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /** Number of acknowledged entries. */
  size(): Promise<number>;
  /** The stored entry at `index`. */
  entry(index: number): Promise<AuditEntry>;
  /** The leaf hash of entry `index` and its inclusion proof in the tree of `size` entries. */
  inclusionProof(index: number, size?: number): Promise<{ leafHash: Uint8Array; proof: Uint8Array[] }>;
  /** Consistency proof from the tree of `oldSize` entries to `newSize` (default: now). */
  consistencyProof(oldSize: number, newSize?: number): Promise<Uint8Array[]>;
  /**
   * Verifies the stored log against its own signed checkpoints (and `trustedCheckpoint`, a
   * checkpoint note kept elsewhere, when given) by the offline verifier's rules (`verifyAuditLog`). Only
   * taking the snapshot waits among the writes: writes go on being acknowledged while it reads and hashes.
   * It streams the log: at most `verifySliceEntries` records are held at once, whatever the log's length.
   */
  verify(config?: { trustedCheckpoint?: string }): Promise<AuditVerificationReport>;
  /** Throws `BACKEND_UNAVAILABLE` once an append failed in `fail-closed` mode: call it before serving a request. */
  assertWritable(): void;
  /** Writes a last checkpoint when entries were added since the previous one, then closes the storage it created. */
  close(): Promise<void>;
}

/**
 * Writes that will be acknowledged together: up to {@link CHUNK_WRITES} consecutive writes that
 * share one promise, so a write allocates no promise, resolver or record of its own. A batch
 * (one append and one sync) is made of whole chunks.
 */
class PendingChunk {
  readonly eventJsons: string[] = [];
  readonly decisions: DecisionTrace[] = [];
  readonly settled: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;

  constructor() {
    this.settled = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get size(): number {
    return this.eventJsons.length;
  }

  /** Every write of the chunk is durable, the first at entry `firstIndex`. */
  acknowledge(firstIndex: number): void {
    this.decisions.forEach((decision, offset) => {
      decision.committed(firstIndex + offset);
    });
    this.resolve();
  }

  /** No write of the chunk is acknowledged. */
  refuse(error: unknown): void {
    for (const decision of this.decisions) decision.failed(error);
    this.reject(error);
  }
}

/** Writes per chunk: small enough that a batch can be split, large enough that promises stay few. */
const CHUNK_WRITES = 64;

/**
 * Batches the group commit keeps going at once: appended, with their syncs running. One would
 * leave the CPU idle during every fdatasync (every writer waits on the same sync); measured here,
 * three beat two, and the syncs of more only queue behind each other (`bench/append.bench.ts`).
 */
const BATCHES_IN_FLIGHT = 3;

/** A batch appended to storage whose sync has not settled yet. */
interface InFlightBatch {
  /** Index of its first entry. */
  first: number;
  /** Index after its last entry. */
  end: number;
  chunks: PendingChunk[];
  /** Set once it is acknowledged or refused: its own sync settling then does nothing. */
  settled: boolean;
  /**
   * Settles once this batch's own sync has settled (and `settle` or `failBatch` has run for it)
   * and so has every earlier batch's. A batch acknowledged by a later sync leaves `inFlight`
   * before its own sync settles; the batches after it still wait for it through this chain.
   */
  synced: Promise<void>;
}

// A cosignature line: `— <name> base64(key ID || timestamp || signature)`, 76 bytes for Ed25519.
const COSIGNATURE_LINE = /^\u2014 ([^ +\n]+) ([A-Za-z0-9+/=]+)\n$/;
const COSIGNATURE_LINE_MAX_LENGTH = 1024;

/**
 * What a witness returned, when it is exactly one signature line under the witness's own name.
 * A witness may be a remote service: anything else (more lines, a blank line, another name, a
 * megabyte) would go into the stored note, where it could make the checkpoint unreadable when the
 * log reopens, or too large to store. It is refused as that witness failing instead.
 */
function checkedCosignatureLine(witnessName: string, line: unknown): string {
  const match = typeof line === 'string' && line.length <= COSIGNATURE_LINE_MAX_LENGTH && COSIGNATURE_LINE.exec(line);
  if (match && match[1] === witnessName && Buffer.from(match[2] ?? '', 'base64').length >= 5) return line;
  throw new AuditSignatureError({
    message: `witness ${witnessName} did not return one cosignature line under its name ("\u2014 ${witnessName} <base64>\\n"); the checkpoint is stored without it`,
  });
}

// Longest type or session a stand-in copies from the event it stands for.
const STAND_IN_TEXT_MAX_LENGTH = 256;

/**
 * The event written in place of one too large for an entry: its type, time and session, and
 * the size and SHA-256 of its redacted JSON, so the decision stays on record and a copy kept
 * elsewhere can be matched to it.
 */
function standInForOversizedEvent(event: SecurityEvent, eventJson: string, bytes: number): string {
  const short = (value: unknown): string | undefined =>
    typeof value === 'string' && value.length <= STAND_IN_TEXT_MAX_LENGTH ? value : undefined;
  return JSON.stringify({
    type: short(event.type) ?? 'unknown',
    timestamp: Number.isFinite(event.timestamp) ? event.timestamp : null,
    session: short(event.session),
    details: { auditEntryTooLarge: { bytes, sha256: hash('sha256', eventJson, 'hex') } },
  });
}

/** Creates an audit log; nothing is read or written before the first call. */
export function createAuditLog(config: AuditLogConfig): AuditLog {
  return new MerkleAuditLog(resolveAuditLogConfig(config));
}

class MerkleAuditLog implements AuditLog {
  readonly origin: string;
  readonly verifierKey: string;
  private readonly tree = new MerkleTree();
  private readonly telemetry: AuditTelemetry;
  private readonly redact: HmacRedactor;
  // Chunks of writes waiting to be committed, in order; only the last one takes more writes.
  private readonly pending: PendingChunk[] = [];
  // Batches appended but not yet synced, oldest first.
  private readonly inFlight: InFlightBatch[] = [];
  // The newest batch's `synced`: it settles after every sync started (see InFlightBatch).
  private allSynced: Promise<void> | undefined;
  // Entries acknowledged (their sync settled): what `size()`, proofs, checkpoints and `verify()`
  // cover. The tree runs ahead of it by the batches in flight.
  private durableSize = 0;
  private readonly witnessSizes = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private opening: Promise<void> | undefined;
  private drainScheduled = false;
  private latest: SignedCheckpoint | undefined;
  private lastCheckpointAt: number;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private closed = false;

  constructor(private readonly config: ResolvedAuditLogConfig) {
    this.origin = config.origin;
    this.verifierKey = formatVerifierKey(config.origin, config.publicKey);
    this.lastCheckpointAt = config.now();
    this.telemetry = createAuditTelemetry(config.telemetry);
    this.redact = createHmacRedactor(config.redactionKey);
  }

  write(event: SecurityEvent): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.refusal());
    if (this.closed) return Promise.reject(this.unavailable('the audit log is closed'));
    const decision = this.telemetry.start(event);
    let eventJson: string;
    try {
      // Redacted and serialised here, so this work overlaps the previous batch's fsync.
      const json = this.redact(event);
      if (json === undefined) throw new TypeError('an event must be an object');
      eventJson = json;
    } catch (error) {
      const refusal = new InvalidInputError({ message: 'the event cannot be serialised as JSON', cause: error });
      decision.failed(refusal);
      return Promise.reject(refusal);
    }
    // An entry too large for a segment frame would read back as a torn write and cut every
    // entry from it on when the log reopens; refusing it would leave the decision off the record
    // (a way to hide an action behind a huge argument). A stand-in is written instead.
    const oversized = oversizedEventBytes(eventJson);
    if (oversized !== undefined) eventJson = standInForOversizedEvent(event, eventJson, oversized);
    const chunk = this.openChunk();
    chunk.eventJsons.push(eventJson);
    chunk.decisions.push(decision);
    this.scheduleDrain();
    return chunk.settled;
  }

  checkpoint(): Promise<SignedCheckpoint> {
    return this.settled(() => this.writeCheckpoint());
  }

  latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    return this.settled(async () => this.latest);
  }

  size(): Promise<number> {
    return this.settled(async () => this.durableSize);
  }

  entry(index: number): Promise<AuditEntry> {
    return this.settled(async () => {
      this.checkIndex(index, this.durableSize);
      const [bytes] = await this.config.storage.read(index, index + 1);
      const entry = bytes && decodeEntry(bytes);
      if (!entry) throw new InvalidInputError({ message: `entry ${index} is not a readable audit entry` });
      return entry;
    });
  }

  inclusionProof(index: number, size?: number): Promise<{ leafHash: Uint8Array; proof: Uint8Array[] }> {
    return this.settled(async () => {
      const treeSize = size ?? this.durableSize;
      this.checkIndex(treeSize, this.durableSize + 1);
      this.checkIndex(index, treeSize);
      return { leafHash: this.tree.leafHash(index), proof: this.tree.inclusionProof(index, treeSize) };
    });
  }

  consistencyProof(oldSize: number, newSize?: number): Promise<Uint8Array[]> {
    return this.settled(async () => {
      const to = newSize ?? this.durableSize;
      this.checkIndex(to, this.durableSize + 1);
      this.checkIndex(oldSize, to + 1);
      return this.tree.consistencyProof(oldSize, to);
    });
  }

  async verify(config: { trustedCheckpoint?: string } = {}): Promise<AuditVerificationReport> {
    // Only the snapshot waits its turn among the writes. Entries up to it never change, so they
    // are read a slice at a time and checked outside the queue (each slice checked before the next is read): writes go on being acknowledged
    // while a large log is verified, instead of waiting for the whole log to be read and hashed.
    const { size, checkpoints } = await this.settled(async () => {
      const notes = await this.config.checkpointStorage.read(0, await this.config.checkpointStorage.size());
      return {
        // Not the storage's size: it may hold a batch whose sync has not settled.
        size: this.durableSize,
        checkpoints: notes.map((note) => Buffer.from(note).toString('utf8')),
      };
    });
    // Streamed: one slice of records at a time (Merkle frontier, previous hash), however long the log.
    const source: AuditRecordSource = { size, read: (start, end) => this.config.storage.read(start, end) };
    return verifyAuditRecords(
      source,
      checkpoints,
      { verifierKey: this.verifierKey, ...config },
      undefined,
      this.config.verifySliceEntries,
    );
  }

  assertWritable(): void {
    if (this.failure !== undefined) throw this.refusal();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.settled(async () => {
      if (this.failure === undefined && this.durableSize > (this.latest?.checkpoint.size ?? 0))
        await this.writeCheckpoint();
    }).catch(() => undefined);
    await Promise.all(this.config.ownedStorages.map((storage) => storage.close()));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.open();
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  // Readers see every write queued before them settled, and only acknowledged entries.
  private settled<T>(work: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.settleInFlight();
      return work();
    });
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.exclusive(async () => {
      this.drainScheduled = false;
      do {
        const chunks = this.nextBatch();
        if (chunks.length > 0) await this.commit(chunks);
        // Checked after every batch: under a steady stream `pending` never empties, and the
        // checkpoint must still come every interval.
        await this.checkpointIfDue();
      } while (this.pending.length > 0 && this.failure === undefined);
    }).catch((error: unknown) => this.fail(error, this.pending.splice(0)));
  }

  // The chunk the next write joins: the last pending one, or a new one once that is full.
  private openChunk(): PendingChunk {
    const last = this.pending.at(-1);
    if (last && last.size < Math.min(CHUNK_WRITES, this.config.batchMaxEntries)) return last;
    const chunk = new PendingChunk();
    this.pending.push(chunk);
    return chunk;
  }

  /**
   * The chunks of the next batch. Group commit keeps up to {@link BATCHES_IN_FLIGHT} batches
   * going: some syncing while the next is encoded and appended, and the writers of the first, once
   * acknowledged, prepare the batch after. Writers that all wait on one batch come back together
   * and would form one batch again, leaving the CPU idle during every sync; so while there is room
   * in flight, a batch takes only its share of the chunks that wait and the rest follows at once,
   * which splits the writers into groups that then take turns.
   */
  private nextBatch(): PendingChunk[] {
    const room = BATCHES_IN_FLIGHT - this.inFlight.length;
    const share = room > 1 ? Math.ceil(this.pending.length / room) : this.pending.length;
    let count = 0;
    let entries = 0;
    for (const chunk of this.pending) {
      if (count === share || (count > 0 && entries + chunk.size > this.config.batchMaxEntries)) break;
      count += 1;
      entries += chunk.size;
    }
    return this.pending.splice(0, count);
  }

  // Encodes and appends a batch and starts its sync; the batch is acknowledged when that sync
  // settles, while the next batch is already being prepared (see `nextBatch`).
  private async commit(chunks: PendingChunk[]): Promise<void> {
    const first = this.tree.size;
    const previous = first > 0 ? this.tree.leafHash(first - 1) : undefined;
    const eventJsons = chunks.flatMap((chunk) => chunk.eventJsons);
    const { records, leafHashes } = encodeEntries(first, previous, eventJsons);
    const batch: InFlightBatch = {
      first,
      end: first + eventJsons.length,
      chunks,
      settled: false,
      synced: Promise.resolve(),
    };
    let synced: Promise<void>;
    try {
      await this.config.storage.append(records);
      synced = this.config.storage.sync();
    } catch (error) {
      this.failBatch(batch, error);
      return;
    }
    // A batch in flight before this one failed while it was appended: it chained on entries now gone.
    if (this.tree.size !== first) {
      this.failBatch(batch, this.unavailable('an earlier batch failed while this one was appended'));
      return;
    }
    // The interior hashes are computed while the sync runs, and taken back if it fails: nothing
    // reads the tree beyond `durableSize`, which moves only when a sync settles.
    this.tree.appendLeaves(leafHashes);
    this.inFlight.push(batch);
    const own = synced.then(
      () => this.settle(batch),
      (error: unknown) => this.failBatch(batch, error),
    );
    const earlier = this.allSynced;
    batch.synced = earlier ? Promise.all([earlier, own]).then(() => undefined) : own;
    this.allSynced = batch.synced;
  }

  // A batch whose sync succeeded is durable, and so is every batch appended before it (a sync
  // covers everything appended before it): they are all acknowledged, in order.
  private settle(batch: InFlightBatch): void {
    if (batch.settled) return;
    while (this.inFlight.length > 0 && (this.inFlight[0]?.first ?? Number.POSITIVE_INFINITY) <= batch.first) {
      const durable = this.inFlight.shift() as InFlightBatch;
      durable.settled = true;
      let index = durable.first;
      for (const chunk of durable.chunks) {
        chunk.acknowledge(index);
        index += chunk.size;
      }
      this.durableSize = durable.end;
    }
  }

  // A batch that could not be made durable: it and every batch appended after it are refused
  // (they chain on its entries, even one whose own sync may still succeed) and the tree forgets
  // them all. A batch appended before it settles on its own sync.
  private failBatch(batch: InFlightBatch, error: unknown): void {
    if (batch.settled) return;
    const kept = this.inFlight.filter((other) => other.first < batch.first);
    const refused = [batch, ...this.inFlight.filter((other) => other.first > batch.first)];
    for (const other of refused) other.settled = true;
    this.inFlight.length = 0;
    for (const other of kept) this.inFlight.push(other);
    if (this.tree.size > batch.first) this.tree.truncate(batch.first);
    this.fail(
      error,
      refused.flatMap((other) => other.chunks),
    );
  }

  // Waits until every batch in flight is acknowledged or refused and every sync started has
  // settled: the newest batch's `synced` waits for all of them.
  private async settleInFlight(): Promise<void> {
    let awaited: Promise<void> | undefined;
    while (awaited !== this.allSynced) {
      awaited = this.allSynced;
      await awaited;
    }
  }

  private async checkpointIfDue(): Promise<void> {
    const interval = this.config.checkpointIntervalMs;
    if (interval === 0 || this.failure !== undefined || this.tree.size === (this.latest?.checkpoint.size ?? 0)) return;
    const waited = this.config.now() - this.lastCheckpointAt;
    if (waited >= interval) {
      // A checkpoint signs only acknowledged entries: the batches in flight settle first.
      await this.settleInFlight();
      if (this.failure === undefined && this.durableSize > (this.latest?.checkpoint.size ?? 0))
        await this.writeCheckpoint();
      return;
    }
    if (this.timer || this.closed) return;
    // Signs the tail of a burst that stopped before the interval ran out; unref'd, so it never keeps a process alive.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exclusive(() => this.checkpointIfDue()).catch((error: unknown) => this.fail(error, []));
    }, interval - waited);
    this.timer.unref();
  }

  private async writeCheckpoint(): Promise<SignedCheckpoint> {
    if (this.failure !== undefined) throw this.refusal();
    const size = this.durableSize;
    const checkpoint: Checkpoint = { origin: this.origin, size, rootHash: this.tree.root(size), extensions: [] };
    const text = formatCheckpoint(checkpoint);
    let note = signNote(text, this.origin, this.config.privateKey, this.config.publicKey);
    for (const witness of this.config.witnesses) {
      const oldSize = Math.min(this.witnessSizes.get(witness.name) ?? 0, size);
      try {
        const consistencyProof = oldSize === 0 ? [] : this.tree.consistencyProof(oldSize, size);
        note += checkedCosignatureLine(witness.name, await witness.cosign({ note, oldSize, consistencyProof }));
        this.witnessSizes.set(witness.name, size);
      } catch (error) {
        this.config.onFailure({ error, lostEvents: 0, closed: false });
      }
    }
    try {
      await this.config.checkpointStorage.append([Buffer.from(note, 'utf8')]);
      await this.config.checkpointStorage.sync();
    } catch (error) {
      this.fail(error, []);
      throw this.refusal(error);
    }
    this.latest = { note, checkpoint };
    this.lastCheckpointAt = this.config.now();
    return this.latest;
  }

  private open(): Promise<void> {
    this.opening ??= this.load();
    return this.opening;
  }

  // Rebuilds the tree from storage and checks it against the newest checkpoint this key signed
  // and the last one stored (usually the same note; each must be signed and match the tree).
  private async load(): Promise<void> {
    const { storage, checkpointStorage } = this.config;
    const size = await storage.size();
    for (let start = 0; start < size; start += 8192) {
      for (const record of await storage.read(start, Math.min(size, start + 8192))) this.tree.append(hashLeaf(record));
    }
    this.durableSize = this.tree.size;
    const stored = await storedCheckpointNotes(checkpointStorage);
    if (stored === undefined) return;
    if (stored.last !== stored.newest) this.checkStoredCheckpoint(stored.last);
    this.latest = { note: stored.newest, checkpoint: this.checkStoredCheckpoint(stored.newest) };
  }

  // A stored checkpoint must be signed by this log and match the tree rebuilt from storage.
  private checkStoredCheckpoint(note: string): Checkpoint {
    const checkpoint = verifyCheckpointNote(note, this.origin, this.config.publicKey);
    if (checkpoint.size > this.tree.size) {
      throw new AuditLogTamperedError({
        problems: [
          {
            kind: 'log-truncated',
            index: this.tree.size,
            message: `the log holds ${this.tree.size} entries but its checkpoint signed ${checkpoint.size}: entries from ${this.tree.size} on are missing`,
          },
        ],
      });
    }
    if (!equalHashes(this.tree.root(checkpoint.size), checkpoint.rootHash)) {
      throw new AuditLogTamperedError({
        problems: [
          {
            kind: 'root-mismatch',
            range: [0, checkpoint.size],
            message: `the first ${checkpoint.size} entries do not match the root their checkpoint signed`,
          },
        ],
      });
    }
    return checkpoint;
  }

  private fail(error: unknown, chunks: readonly PendingChunk[]): void {
    const closed = this.config.failureMode === 'fail-closed';
    if (closed && this.failure === undefined) this.failure = error ?? this.unavailable('unknown failure');
    const refusal = this.refusal(error);
    for (const chunk of chunks) chunk.refuse(refusal);
    if (closed) for (const chunk of this.pending.splice(0)) chunk.refuse(refusal);
    try {
      const lostEvents = chunks.reduce((count, chunk) => count + chunk.size, 0);
      this.config.onFailure({ error, lostEvents, closed });
    } catch {
      // A throwing callback must not hide the failure it was told about.
    }
  }

  private refusal(cause: unknown = this.failure): BackendUnavailableError {
    return this.unavailable('the audit log cannot append (failed closed); no event is acknowledged', cause);
  }

  private unavailable(message: string, cause?: unknown): BackendUnavailableError {
    return new BackendUnavailableError({ backend: 'audit-log', message, cause });
  }

  private checkIndex(value: number, limit: number): void {
    if (!Number.isSafeInteger(value) || value < 0 || value >= limit) {
      throw new InvalidInputError({
        message: `${value} is outside [0, ${limit})`,
        issues: [{ path: 'index', message: 'out of range' }],
      });
    }
  }
}
