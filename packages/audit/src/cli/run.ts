/**
 * The `warden-audit` command: `verify` a log directory or bundle offline, `export` a directory
 * as a bundle. Exit codes: 0 verified, 1 tampering found, 2 unusable input (bad arguments, a
 * wrong key, a corrupted segment).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { escapeTerminalBlock, InvalidInputError, readRegularTextFile, WardenError } from '@warden/core';
import { type AuditBundle, exportAuditBundle } from '../verify/bundle.js';
import { type AuditVerificationReport, verifyAuditLog } from '../verify/verifier.js';

/** Where the command writes. */
export interface CliOutput {
  /** Standard output. */
  out: (text: string) => void;
  /** Standard error. */
  err: (text: string) => void;
}

const USAGE = `usage:
  warden-audit verify (--directory <dir> | --bundle <file>) --key <verifier key | @file>
                      [--trusted <checkpoint file>] [--witness <verifier key>]... [--quorum <n>] [--json]
  warden-audit export --directory <dir>
`;

/**
 * A key given inline, or read from the file after `@`. Files are read with core's
 * `readRegularTextFile`: a FIFO given as `--bundle` or `--trusted` blocked the command forever,
 * and `/dev/zero` was read until memory ran out.
 */
function readArgument(value: string): string {
  return value.startsWith('@') ? readRegularTextFile(value.slice(1)).trim() : value;
}

// A count in decimal digits, nothing else: `Number('')` is 0 and `Number('x')` NaN, either of which
// would quietly require no cosignature at all.
function parseQuorum(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^[0-9]{1,9}$/.test(value)) {
    throw new InvalidInputError({
      message: `--quorum must be a count of witnesses (witnessQuorum), got ${JSON.stringify(value.slice(0, 40))}`,
      issues: [{ path: 'witnessQuorum', message: 'must be a non-negative integer' }],
    });
  }
  return Number(value);
}

/**
 * Runs the command with `argv` (without `node` and the script) and returns the exit code.
 * Everything it prints has the characters a terminal acts on escaped as `\uXXXX`: a report and
 * an error quote the log (a checkpoint's signer names, a bundle file's text), which whoever can
 * write the log's files chooses.
 */
export function runCli(argv: readonly string[], output: CliOutput): Promise<number> {
  return runUnescaped(argv, {
    out: (text) => output.out(escapeTerminalBlock(text)),
    err: (text) => output.err(escapeTerminalBlock(text)),
  });
}

/**
 * Refuses an option other than `--witness` given twice (`parseArgs` keeps the last): a script that
 * passes `--trusted`, `--key` or `--quorum` and then arguments from elsewhere would have its value
 * silently replaced, say by an older trusted checkpoint that cannot reveal a truncation.
 */
function refuseRepeatedOptions(tokens: readonly { kind: string; name?: string }[]): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined || token.name === 'witness') continue;
    if (seen.has(token.name)) {
      throw new InvalidInputError({
        message: `--${token.name} is given more than once`,
        issues: [{ path: token.name, message: 'given more than once' }],
      });
    }
    seen.add(token.name);
  }
}

async function runUnescaped(argv: readonly string[], output: CliOutput): Promise<number> {
  try {
    const { positionals, values, tokens } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      tokens: true,
      options: {
        directory: { type: 'string' },
        bundle: { type: 'string' },
        key: { type: 'string' },
        trusted: { type: 'string' },
        witness: { type: 'string', multiple: true },
        quorum: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    refuseRepeatedOptions(tokens);
    const command = positionals[0];
    if (command === 'export' && values.directory) {
      output.out(`${JSON.stringify(await exportAuditBundle({ directory: values.directory }))}\n`);
      return 0;
    }
    if (command !== 'verify' || !values.key || Boolean(values.directory) === Boolean(values.bundle)) {
      output.err(USAGE);
      return 2;
    }
    const report = await verifyAuditLog({
      ...(values.directory ? { directory: values.directory } : {}),
      ...(values.bundle ? { bundle: JSON.parse(readRegularTextFile(values.bundle)) as AuditBundle } : {}),
      verifierKey: readArgument(values.key),
      ...(values.trusted ? { trustedCheckpoint: readRegularTextFile(values.trusted) } : {}),
      witnesses: values.witness ?? [],
      witnessQuorum: parseQuorum(values.quorum),
    });
    output.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report, Boolean(values.trusted)));
    return report.ok ? 0 : 1;
  } catch (error) {
    const code = WardenError.isInstance(error) ? error.code : 'ERROR';
    output.err(`warden-audit: ${code}: ${(error as Error).message}\n`);
    return 2;
  }
}

/**
 * The plain report. An OK says what it does not cover, as the `warden audit` command's does:
 * entries past the newest checkpoint (a log whose every checkpoint was deleted covers none), and,
 * without `--trusted`, that a log cut back to an earlier signed checkpoint cannot be detected.
 */
function describe(report: AuditVerificationReport, trusted: boolean): string {
  const lines = [
    report.ok
      ? `OK: ${report.size} entries, ${report.verifiedSize} covered by ${report.validCheckpoints} valid checkpoints`
      : `TAMPERED: ${report.problems.length} problem(s) in ${report.size} entries`,
    ...report.problems.map((problem) => `  - [${problem.kind}] ${problem.message}`),
  ];
  if (report.ok && report.verifiedSize < report.size)
    lines.push(`  note: entries ${report.verifiedSize} to ${report.size - 1} are not covered by a checkpoint yet`);
  if (!trusted)
    lines.push('  note: without --trusted, a log cut back to an earlier signed checkpoint cannot be detected');
  if (report.tornTail)
    lines.push(
      `  note: skipped ${report.tornTail.droppedBytes} bytes of an unacknowledged torn write in ${report.tornTail.file}`,
    );
  return `${lines.join('\n')}\n`;
}
