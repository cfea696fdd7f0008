/**
 * The offline verifier: given a log (its directory or an exported bundle), the log's public key
 * and, ideally, a checkpoint obtained out of band, it finds every edit, deletion, insertion,
 * reordering and truncation relative to what was signed, and names the entry.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { InvalidInputError } from '@warden/core';
import { AuditLogTamperedError, type AuditProblem, AuditSignatureError } from '../errors.js';
import { MerkleFrontier } from '../merkle/frontier.js';
import { equalHashes, hashLeaf } from '../merkle/hash.js';
import { type Checkpoint, verifyCheckpointNote } from '../note/checkpoint.js';
import { verifyCosignature } from '../note/cosignature.js';
import { parseVerifierKey, type VerifierKey } from '../note/keys.js';
import type { FileAuditStorageRecovery } from '../storage/file-storage.js';
import { type AuditBundle, type LoadedLog, loadBundle, openLogDirectory } from './bundle.js';
import { EntryChecks, linkOf } from './entry-checks.js';
import { ENTRIES_PER_TURN, nextTurn } from './turns.js';

/** Settings of {@link verifyAuditLog}. */
export interface VerifyAuditLogConfig {
  /** The log's directory. Give this or `bundle`. */
  directory?: string;
  /** An exported log. Give this or `directory`. */
  bundle?: AuditBundle;
  /** The log's verifier key, `<origin>+<key id>+<base64 key>` (`AuditLog.verifierKey`). */
  verifierKey: string;
  /**
   * A signed checkpoint note kept outside the log (by a witness, a monitor, the last run of this
   * verifier). Without it, a log cut back to an earlier signed checkpoint cannot be told apart
   * from a log that never grew further.
   */
  trustedCheckpoint?: string;
  /** Witness verifier keys (`<name>+<id>+<base64(0x04 || key)>`) whose cosignatures count. @default [] */
  witnesses?: readonly string[];
  /**
   * Cosignatures the newest checkpoint (the one of the largest size) needs from distinct
   * `witnesses`; a non-negative integer, otherwise `INVALID_INPUT`. @default 0
   */
  witnessQuorum?: number;
}

/** What the verifier found. */
export interface AuditVerificationReport {
  /** True when nothing differs from what was signed. */
  ok: boolean;
  /** Entries stored. */
  size: number;
  /** Entries covered by a valid checkpoint (the rest are not yet signed). */
  verifiedSize: number;
  /** Checkpoints whose signature verified. */
  validCheckpoints: number;
  /** Every difference found; each names its entry (`index`) or the signed range it lies in. */
  problems: AuditProblem[];
  /** A torn tail the verifier skipped (an append that was never acknowledged). */
  tornTail?: FileAuditStorageRecovery;
}

interface TrustedHead {
  checkpoint: Checkpoint;
  note: string;
  label: string;
}

/**
 * Verifies a log. Resolves with a report (tampering is a finding, not an exception); throws
 * `AuditSignatureError` when the trusted checkpoint, or every checkpoint of a log without one,
 * fails to verify with the key (a wrong key, or a log re-signed by someone else), and
 * `AuditLogCorruptedError` when a segment cannot be read, and `InvalidInputError` when `directory`
 * is not an audit log directory (a mistyped path must never verify as an empty log).
 */
export async function verifyAuditLog(config: VerifyAuditLogConfig): Promise<AuditVerificationReport> {
  // Any bundle given is checked as one: `null` or `""` (a file holding them) must not fall through
  // to verifying a directory the caller never named.
  if (config.bundle !== undefined) return verifyLoadedLog(loadBundle(config.bundle), config);
  // A directory is streamed from its segments, a slice at a time, never read whole.
  const { entries, checkpoints, tornTail } = await openLogDirectory(config.directory ?? '.');
  try {
    const source: AuditRecordSource = { size: await entries.size(), read: (start, end) => entries.read(start, end) };
    return await verifyAuditRecords(source, checkpoints, config, tornTail);
  } finally {
    await entries.close();
  }
}

/**
 * {@link verifyAuditLog} of a log already read (`directory` and `bundle` are ignored), by the
 * same streaming rules as {@link verifyAuditRecords}.
 */
function verifyLoadedLog(log: LoadedLog, config: VerifyAuditLogConfig): Promise<AuditVerificationReport> {
  const source: AuditRecordSource = {
    size: log.records.length,
    read: async (start, end) => log.records.slice(start, end),
  };
  return verifyAuditRecords(source, log.checkpoints, config, log.tornTail);
}

/** Where a streaming verification reads a log's records: `size` of them, a slice at a time. */
export interface AuditRecordSource {
  /** Records to verify (entries `0` to `size - 1`). */
  size: number;
  /** Records `start` (inclusive) to `end` (exclusive); never asked for more than the slice size at once. */
  read(start: number, end: number): Promise<readonly Uint8Array[]>;
}

/** Records a verification reads (and so holds) at once by default. */
const VERIFY_SLICE_ENTRIES = 16_384;

/**
 * Verifies a log streamed from `source` a slice of `sliceEntries` records at a time: what
 * `AuditLog.verify` uses. Memory does not grow with the log: a slice of records, the Merkle
 * frontier (a hash per level), the previous leaf hash and the root at each checkpoint's size are
 * all it keeps (and the findings). Only an entry found inserted makes it read the log again, to
 * tell which of the two entries claiming one position the signed roots reject. It yields to the
 * event loop every {@link ENTRIES_PER_TURN} entries, so that a process verifying a large log of
 * its own (an operator console's page) keeps serving meanwhile.
 */
export async function verifyAuditRecords(
  source: AuditRecordSource,
  checkpoints: readonly string[],
  config: VerifyAuditLogConfig,
  tornTail?: FileAuditStorageRecovery,
  sliceEntries: number = VERIFY_SLICE_ENTRIES,
): Promise<AuditVerificationReport> {
  const key = parseVerifierKey(config.verifierKey, 'verifierKey');
  const witnesses = witnessRequirement(config);
  const problems: AuditProblem[] = [];
  const heads = await readCheckpoints(checkpoints, key, problems);
  if (config.trustedCheckpoint !== undefined) heads.push(trustedHead(config.trustedCheckpoint, key));
  else if (heads.length === 0 && checkpoints.length > 0) {
    throw new AuditSignatureError({
      message: `no checkpoint of this log is signed by ${config.verifierKey.split('+')[0]} with the given key: a wrong key, or a log re-signed by someone else`,
    });
  }
  const signedSizes = new Set(heads.map((head) => head.checkpoint.size));
  const roots = new Map<number, Uint8Array>();
  const frontier = new MerkleFrontier();
  if (signedSizes.has(0)) roots.set(0, frontier.root());
  const checks = new EntryChecks();
  await forEachRecord(source, sliceEntries, (record) => {
    const leafHash = hashLeaf(record);
    checks.add(linkOf(record), leafHash);
    frontier.append(leafHash);
    if (signedSizes.has(frontier.size)) roots.set(frontier.size, frontier.root());
    return true;
  });
  const size = frontier.size;
  const matched = compareHeads(heads, size, roots, problems);
  const entryProblems: AuditProblem[] = [];
  for (const problem of checks.finish()) {
    entryProblems.push(await refineInsertion(problem, source, sliceEntries, heads));
  }
  const resigned = problems.some((problem) => problem.kind === 'checkpoint-invalid');
  if (entryProblems.length === 0 && !resigned) nameLastEntry(problems, size);
  // concat, not unshift(...): a log rewritten wholesale has a problem per entry, more than a call takes as arguments.
  const findings = entryProblems.concat(problems);
  checkWitnesses(witnesses, heads, findings);
  return {
    ok: findings.length === 0,
    size,
    verifiedSize: matched,
    validCheckpoints: heads.length - (config.trustedCheckpoint === undefined ? 0 : 1),
    problems: order(findings),
    ...(tornTail ? { tornTail } : {}),
  };
}

/**
 * Hands every record of `source` to `visit`, in order, reading one slice at a time and yielding
 * to the event loop every {@link ENTRIES_PER_TURN} records; stops early when `visit` returns false.
 */
async function forEachRecord(
  source: AuditRecordSource,
  sliceEntries: number,
  visit: (record: Uint8Array, index: number) => boolean,
): Promise<void> {
  for (let start = 0; start < source.size; start += sliceEntries) {
    const slice = await source.read(start, Math.min(source.size, start + sliceEntries));
    for (let offset = 0; offset < slice.length; offset += 1) {
      const index = start + offset;
      if (index > 0 && index % ENTRIES_PER_TURN === 0) await nextTurn();
      if (!visit(slice[offset] as Uint8Array, index)) return;
    }
  }
}

/** Like {@link verifyAuditLog}, but throws `AuditLogTamperedError` (`AUDIT_LOG_TAMPERED`) when a problem is found. */
export async function assertAuditLogVerified(config: VerifyAuditLogConfig): Promise<AuditVerificationReport> {
  const report = await verifyAuditLog(config);
  if (!report.ok) throw new AuditLogTamperedError({ problems: report.problems });
  return report;
}

/**
 * Checkpoints a verification checks between two yields to the event loop: each costs an Ed25519
 * verification (up to 100, one per signature line), and a log checkpointed every second has
 * 86,400 of them a day, seconds of work that must not stop the host from serving.
 */
const CHECKPOINTS_PER_TURN = 16;

async function readCheckpoints(
  checkpoints: readonly string[],
  key: VerifierKey,
  problems: AuditProblem[],
): Promise<TrustedHead[]> {
  const heads: TrustedHead[] = [];
  for (const [position, note] of checkpoints.entries()) {
    if (position > 0 && position % CHECKPOINTS_PER_TURN === 0) await nextTurn();
    try {
      const checkpoint = verifyCheckpointNote(note, key.name, key.publicKey);
      heads.push({ checkpoint, note, label: `stored checkpoint ${position} (size ${checkpoint.size})` });
    } catch (error) {
      problems.push({
        kind: 'checkpoint-invalid',
        message: `stored checkpoint ${position} is not validly signed by ${key.name}: ${(error as Error).message}`,
      });
    }
  }
  return heads;
}

function trustedHead(note: string, key: VerifierKey): TrustedHead {
  // A trusted checkpoint that does not verify means the key is wrong: a typed error, not a finding.
  const checkpoint = verifyCheckpointNote(note, key.name, key.publicKey);
  return { checkpoint, note, label: `the trusted checkpoint (size ${checkpoint.size})` };
}

// Each signed head must be a prefix of the stored tree (`roots`: its root at each signed size it
// reaches). Returns the largest size that matched.
function compareHeads(
  heads: readonly TrustedHead[],
  treeSize: number,
  roots: ReadonlyMap<number, Uint8Array>,
  problems: AuditProblem[],
): number {
  const sorted = [...heads].sort((left, right) => left.checkpoint.size - right.checkpoint.size);
  let matched = 0;
  for (const head of sorted) {
    const { size, rootHash } = head.checkpoint;
    if (size > treeSize) {
      problems.push({
        kind: 'log-truncated',
        index: treeSize,
        range: [matched, size],
        message: `the log was truncated: ${head.label} signed ${size} entries, ${treeSize} remain; entry ${treeSize} is the first missing (entries from ${matched} on are unverified)`,
      });
      continue;
    }
    if (equalHashes(roots.get(size) as Uint8Array, rootHash)) {
      matched = Math.max(matched, size);
      continue;
    }
    problems.push({
      kind: 'root-mismatch',
      range: [matched, size],
      message: `entries ${matched} to ${size - 1} differ from what ${head.label} signed (an entry in that range was changed, removed, added or moved)`,
    });
  }
  return matched;
}

// With every link intact and no forged checkpoint, the one entry an edit can change without
// breaking a link is the last stored one (no later entry links to it): name it, keeping the range
// for an attacker who also rewrote the links.
function nameLastEntry(problems: AuditProblem[], size: number): void {
  problems.forEach((problem, position) => {
    if (problem.kind !== 'root-mismatch' || problem.range?.[1] !== size) return;
    const [start, end] = problem.range;
    problems[position] = {
      ...problem,
      index: end - 1,
      message: `entry ${end - 1} was modified: the log differs from what was signed and no later entry links to it (if links were rewritten too, the change lies in entries ${start} to ${end - 1})`,
    };
  });
}

// Of two entries claiming one position, the inserted one is the one whose removal restores a
// signed root: the log is read again without each candidate, keeping only a frontier.
async function refineInsertion(
  problem: AuditProblem,
  source: AuditRecordSource,
  sliceEntries: number,
  heads: readonly TrustedHead[],
): Promise<AuditProblem> {
  if (problem.kind !== 'entry-inserted' || !problem.range) return problem;
  for (let candidate = problem.range[0]; candidate < problem.range[1]; candidate += 1) {
    // Sizes of the tree without the candidate, which is one entry shorter than the log.
    const signed = new Map<number, Uint8Array[]>();
    for (const { checkpoint } of heads) {
      if (checkpoint.size > candidate && checkpoint.size <= source.size - 1) {
        signed.set(checkpoint.size, [...(signed.get(checkpoint.size) ?? []), checkpoint.rootHash]);
      }
    }
    if (signed.size === 0) continue;
    const frontier = new MerkleFrontier();
    let restores = false;
    await forEachRecord(source, sliceEntries, (record, index) => {
      if (index === candidate) return true;
      frontier.append(hashLeaf(record));
      const rootHashes = signed.get(frontier.size);
      if (rootHashes) {
        const root = frontier.root();
        restores = rootHashes.some((rootHash) => equalHashes(root, rootHash));
      }
      return !restores;
    });
    if (restores) {
      return {
        kind: 'entry-inserted',
        index: candidate,
        message: `entry at position ${candidate} was inserted: without it the log matches its signed checkpoint`,
      };
    }
  }
  return problem;
}

interface WitnessRequirement {
  keys: VerifierKey[];
  quorum: number;
}

// The witnesses whose cosignatures count, each once (a key listed twice must not count twice),
// and the quorum, refused unless it is a non-negative integer: `Number('x')` is NaN, and a NaN
// quorum compared with a count is never unmet, which would check no cosignature at all.
function witnessRequirement(config: VerifyAuditLogConfig): WitnessRequirement {
  const quorum = config.witnessQuorum ?? 0;
  if (!Number.isSafeInteger(quorum) || quorum < 0) {
    throw new InvalidInputError({
      message: `witnessQuorum must be a non-negative integer, got ${String(quorum)}`,
      issues: [{ path: 'witnessQuorum', message: 'must be a non-negative integer' }],
    });
  }
  const keys = new Map<string, VerifierKey>();
  for (const witness of config.witnesses ?? []) {
    const key = parseVerifierKey(witness, 'witnesses');
    keys.set(`${key.name}+${Buffer.from(key.keyId).toString('hex')}`, key);
  }
  return { keys: [...keys.values()], quorum };
}

// The quorum applies to the newest checkpoint, the one with the largest size: not to the last one
// stored, which an attacker who can write the files makes an older, cosigned copy.
function checkWitnesses(
  { keys, quorum }: WitnessRequirement,
  heads: readonly TrustedHead[],
  problems: AuditProblem[],
): void {
  if (quorum === 0) return;
  // A reduce, not Math.max(...): a log checkpointed every second for days has more checkpoints than a call takes arguments.
  const newestSize = heads.reduce((largest, head) => Math.max(largest, head.checkpoint.size), -1);
  const newest = heads.filter((head) => head.checkpoint.size === newestSize);
  const cosignedBy = (head: TrustedHead): number =>
    keys.filter((witness) => {
      try {
        verifyCosignature(head.note, witness.name, witness.publicKey);
        return true;
      } catch {
        return false;
      }
    }).length;
  // Checkpoints of one size sign one tree (a second root is a finding of its own): the best counts.
  const cosigned = newest.reduce((best, head) => Math.max(best, cosignedBy(head)), 0);
  if (cosigned < quorum) {
    problems.push({
      kind: 'checkpoint-invalid',
      message:
        newestSize < 0
          ? `the log has no valid checkpoint; ${quorum} witness cosignatures required`
          : `the newest checkpoint (size ${newestSize}) has ${cosigned} valid witness cosignatures, ${quorum} required`,
    });
  }
}

// Entry-level findings (which name an entry) first, then signed-range findings.
function order(problems: AuditProblem[]): AuditProblem[] {
  return [...problems].sort((left, right) => Number(left.index === undefined) - Number(right.index === undefined));
}
