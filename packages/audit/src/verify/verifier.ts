/**
 * The offline verifier: given a log (its directory or an exported bundle), the log's public key
 * and, ideally, a checkpoint obtained out of band, it finds every edit, deletion, insertion,
 * reordering and truncation relative to what was signed, and names the entry.
 *
 * @module
 */
import { AuditLogTamperedError, type AuditProblem, AuditSignatureError } from '../errors.js';
import { equalHashes, hashLeaf } from '../merkle/hash.js';
import { MerkleTree } from '../merkle/tree.js';
import { type Checkpoint, parseCheckpoint } from '../note/checkpoint.js';
import { verifyCosignature } from '../note/cosignature.js';
import { parseVerifierKey, type VerifierKey } from '../note/keys.js';
import { verifyNote } from '../note/signed-note.js';
import type { FileAuditStorageRecovery } from '../storage/file-storage.js';
import { type AuditBundle, type LoadedLog, loadBundle, loadLogDirectory } from './bundle.js';
import { checkEntries, type EntryLink, linkOf } from './entry-checks.js';
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
  /** Cosignatures the newest checkpoint needs from `witnesses`. @default 0 */
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
  const log = config.bundle ? loadBundle(config.bundle) : await loadLogDirectory(config.directory ?? '.');
  return verifyLoadedLog(log, config);
}

/**
 * {@link verifyAuditLog} of a log already read (`directory` and `bundle` are ignored): what
 * `AuditLog.verify` uses, without a bundle's base64 round trip. It yields to the event loop every
 * {@link ENTRIES_PER_TURN} entries, so that a process verifying a large log of its own (an
 * operator console's page) keeps serving meanwhile.
 */
export async function verifyLoadedLog(log: LoadedLog, config: VerifyAuditLogConfig): Promise<AuditVerificationReport> {
  const key = parseVerifierKey(config.verifierKey, 'verifierKey');
  const leafHashes: Uint8Array[] = [];
  const links: (EntryLink | undefined)[] = [];
  const tree = new MerkleTree();
  for (let index = 0; index < log.records.length; index += 1) {
    if (index > 0 && index % ENTRIES_PER_TURN === 0) await nextTurn();
    const record = log.records[index] as Uint8Array;
    const leafHash = hashLeaf(record);
    leafHashes.push(leafHash);
    tree.append(leafHash);
    links.push(linkOf(record));
  }
  const problems: AuditProblem[] = [];
  const heads = readCheckpoints(log, key, problems);
  if (config.trustedCheckpoint !== undefined) heads.push(trustedHead(config.trustedCheckpoint, key));
  else if (heads.length === 0 && log.checkpoints.length > 0) {
    throw new AuditSignatureError({
      message: `no checkpoint of this log is signed by ${config.verifierKey.split('+')[0]} with the given key: a wrong key, or a log re-signed by someone else`,
    });
  }
  const matched = compareHeads(heads, tree, problems);
  const entryProblems = (await checkEntries(links, leafHashes)).map((problem) =>
    refineInsertion(problem, leafHashes, heads),
  );
  const resigned = problems.some((problem) => problem.kind === 'checkpoint-invalid');
  if (entryProblems.length === 0 && !resigned) nameLastEntry(problems, tree.size);
  // concat, not unshift(...): a log rewritten wholesale has a problem per entry, more than a call takes as arguments.
  const findings = entryProblems.concat(problems);
  checkWitnesses(config, heads.at(-1), findings);
  return {
    ok: findings.length === 0,
    size: tree.size,
    verifiedSize: matched,
    validCheckpoints: heads.length - (config.trustedCheckpoint === undefined ? 0 : 1),
    problems: order(findings),
    ...(log.tornTail ? { tornTail: log.tornTail } : {}),
  };
}

/** Like {@link verifyAuditLog}, but throws `AuditLogTamperedError` (`AUDIT_LOG_TAMPERED`) when a problem is found. */
export async function assertAuditLogVerified(config: VerifyAuditLogConfig): Promise<AuditVerificationReport> {
  const report = await verifyAuditLog(config);
  if (!report.ok) throw new AuditLogTamperedError({ problems: report.problems });
  return report;
}

function readCheckpoints(log: LoadedLog, key: VerifierKey, problems: AuditProblem[]): TrustedHead[] {
  const heads: TrustedHead[] = [];
  log.checkpoints.forEach((note, position) => {
    try {
      const checkpoint = parseCheckpoint(verifyNote(note, key.name, key.publicKey));
      heads.push({ checkpoint, note, label: `stored checkpoint ${position} (size ${checkpoint.size})` });
    } catch (error) {
      problems.push({
        kind: 'checkpoint-invalid',
        message: `stored checkpoint ${position} is not validly signed by ${key.name}: ${(error as Error).message}`,
      });
    }
  });
  return heads;
}

function trustedHead(note: string, key: VerifierKey): TrustedHead {
  // A trusted checkpoint that does not verify means the key is wrong: a typed error, not a finding.
  const checkpoint = parseCheckpoint(verifyNote(note, key.name, key.publicKey));
  return { checkpoint, note, label: `the trusted checkpoint (size ${checkpoint.size})` };
}

// Each signed head must be a prefix of the stored tree. Returns the largest size that matched.
function compareHeads(heads: readonly TrustedHead[], tree: MerkleTree, problems: AuditProblem[]): number {
  const sorted = [...heads].sort((left, right) => left.checkpoint.size - right.checkpoint.size);
  let matched = 0;
  for (const head of sorted) {
    const { size, rootHash } = head.checkpoint;
    if (size > tree.size) {
      problems.push({
        kind: 'log-truncated',
        index: tree.size,
        range: [matched, size],
        message: `the log was truncated: ${head.label} signed ${size} entries, ${tree.size} remain; entry ${tree.size} is the first missing (entries from ${matched} on are unverified)`,
      });
      continue;
    }
    if (equalHashes(tree.root(size), rootHash)) {
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

// Of two entries claiming one position, the inserted one is the one whose removal restores a signed root.
function refineInsertion(
  problem: AuditProblem,
  leafHashes: readonly Uint8Array[],
  heads: readonly TrustedHead[],
): AuditProblem {
  if (problem.kind !== 'entry-inserted' || !problem.range) return problem;
  for (let candidate = problem.range[0]; candidate < problem.range[1]; candidate += 1) {
    const tree = new MerkleTree();
    leafHashes.forEach((hash, index) => {
      if (index !== candidate) tree.append(hash);
    });
    const restores = heads.some(
      ({ checkpoint }) =>
        checkpoint.size > candidate &&
        checkpoint.size <= tree.size &&
        equalHashes(tree.root(checkpoint.size), checkpoint.rootHash),
    );
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

function checkWitnesses(config: VerifyAuditLogConfig, head: TrustedHead | undefined, problems: AuditProblem[]): void {
  const quorum = config.witnessQuorum ?? 0;
  if (quorum === 0) return;
  const keys = (config.witnesses ?? []).map((witness) => parseVerifierKey(witness, 'witnesses'));
  const cosigned = head
    ? keys.filter((witness) => {
        try {
          verifyCosignature(head.note, witness.name, witness.publicKey);
          return true;
        } catch {
          return false;
        }
      }).length
    : 0;
  if (cosigned < quorum) {
    problems.push({
      kind: 'checkpoint-invalid',
      message: `the newest checkpoint has ${cosigned} valid witness cosignatures, ${quorum} required`,
    });
  }
}

// Entry-level findings (which name an entry) first, then signed-range findings.
function order(problems: AuditProblem[]): AuditProblem[] {
  return [...problems].sort((left, right) => Number(left.index === undefined) - Number(right.index === undefined));
}
