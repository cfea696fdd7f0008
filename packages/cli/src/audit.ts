/**
 * `warden audit verify`: `@warden/audit`'s offline verifier on a log directory or an exported
 * bundle.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { type AuditBundle, type AuditVerificationReport, verifyAuditLog } from '@warden/audit';
import { escapeTerminalText as safe, WardenError } from '@warden/core';
import {
  type CliIo,
  EXIT,
  readJsonFile,
  readTextFile,
  refuseEmptyOptions,
  refuseRepeatedOptions,
  UsageError,
} from './io.js';

/** The help text of `warden audit`. */
const AUDIT_HELP: string = `Usage: warden audit verify (--directory <dir> | --bundle <file>) --key <verifier key | @file>
                          [--trusted <checkpoint file>] [--witness <verifier key>]... [--quorum <n>] [--json]

Verifies an audit log (@warden/audit) offline: every entry against the signed checkpoints, and
each difference named by entry (edited, removed, inserted, reordered, truncated).

Options:
  --directory <dir>     the log's directory
  --bundle <file>       a bundle exported with exportAuditBundle
  --key <key>           the log's verifier key (<origin>+<key id>+<base64>), or @file to read it
  --trusted <file>      a signed checkpoint kept outside the log (detects a log cut back to an
                        earlier checkpoint)
  --witness <key>       a witness verifier key whose cosignatures count (repeatable)
  --quorum <n>          cosignatures the newest checkpoint needs from --witness keys (default 0)
  --json                print the verification report as JSON
  -h, --help            show this help

Exit codes: 0 verified, 1 tampering found, 2 usage error or unusable input (missing files, a
wrong key, a corrupted segment), 70 internal failure (not verified: only 0 means verified).`;

/** Runs `warden audit`; resolves to the exit code. */
export async function runAudit(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    strict: true,
    tokens: true,
    allowPositionals: true,
    options: {
      directory: { type: 'string' },
      bundle: { type: 'string' },
      key: { type: 'string' },
      trusted: { type: 'string' },
      witness: { type: 'string', multiple: true },
      quorum: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  refuseRepeatedOptions(tokens, ['witness']);
  // An empty --directory is the current directory to the file system, not "no log".
  refuseEmptyOptions(values, ['directory', 'bundle', 'key', 'trusted']);
  if (values.help) {
    io.out(AUDIT_HELP);
    return EXIT.ok;
  }
  const [action, ...extra] = positionals;
  if (action !== 'verify') {
    throw new UsageError(action === undefined ? 'give an action: verify' : `unknown action ${JSON.stringify(action)}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if ((values.directory === undefined) === (values.bundle === undefined)) {
    throw new UsageError('give exactly one of --directory <dir> or --bundle <file>');
  }
  if (values.key === undefined) throw new UsageError('--key <verifier key | @file> is required');
  // Digits only: Number('') and Number(' ') are 0, so an empty $QUORUM turned the witness check off.
  const quorum = values.quorum === undefined ? 0 : /^[0-9]+$/.test(values.quorum) ? Number(values.quorum) : Number.NaN;
  if (!Number.isSafeInteger(quorum)) throw new UsageError('--quorum must be a whole number');
  try {
    const report = await verifyAuditLog({
      ...(values.directory !== undefined ? { directory: values.directory } : {}),
      ...(values.bundle !== undefined ? { bundle: readBundle(values.bundle) } : {}),
      verifierKey: values.key.startsWith('@') ? readTextFile(values.key.slice(1)).trim() : values.key,
      ...(values.trusted !== undefined ? { trustedCheckpoint: readTextFile(values.trusted) } : {}),
      witnesses: values.witness ?? [],
      witnessQuorum: quorum,
    });
    io.out(values.json ? JSON.stringify(report, null, 2) : describeReport(report, values.trusted !== undefined));
    return report.ok ? EXIT.ok : EXIT.findings;
  } catch (error) {
    // A wrong key or an unreadable segment: the log cannot be judged, which is not "tampered".
    // The message may quote the log (a checkpoint's text): escaped, it cannot forge a line.
    if (WardenError.isInstance(error)) throw new UsageError(`${error.code}: ${safe(error.message)}`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`cannot read ${values.directory ?? values.bundle}: no such file or directory`);
    }
    throw error;
  }
}

/**
 * Reads a bundle file. Anything but an object is refused here, naming the file (a bundle file
 * holding `null` once verified the current directory instead; the verifier now refuses it too,
 * as `INVALID_INPUT` without the file's name); the verifier checks the rest.
 */
function readBundle(file: string): AuditBundle {
  const document = readJsonFile(file);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UsageError(`${file} is not an audit bundle (a warden-audit-bundle/v1 JSON object)`);
  }
  return document as AuditBundle;
}

function describeReport(report: AuditVerificationReport, trusted: boolean): string {
  const lines = [
    report.ok
      ? `VERIFIED: ${report.size} entries, ${report.verifiedSize} covered by ${report.validCheckpoints} valid checkpoint${
          report.validCheckpoints === 1 ? '' : 's'
        }`
      : `TAMPERED: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.size} entries`,
    ...report.problems.map((problem) => `  - [${problem.kind}] ${safe(problem.message)}`),
  ];
  if (report.ok && report.verifiedSize < report.size) {
    lines.push(`  note: entries ${report.verifiedSize} to ${report.size - 1} are not covered by a checkpoint yet`);
  }
  if (!trusted) {
    lines.push('  note: without --trusted, a log cut back to an earlier signed checkpoint cannot be detected');
  }
  if (report.tornTail) {
    lines.push(
      `  note: skipped ${report.tornTail.droppedBytes} bytes of an unacknowledged torn write in ${safe(report.tornTail.file)}`,
    );
  }
  return lines.join('\n');
}
