import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditProblem } from '../errors.ts';
import {
  type BuiltLog,
  buildLog,
  checkpointsUpTo,
  forgeCheckpoints,
  relink,
  type Tampering,
  tamper,
  toBundle,
} from './test-support.ts';
import { verifyAuditLog } from './verifier.ts';

// Attacker: anyone with write access to the log's files, but not the log's signing key.
const SIZES = [1, 4, 17, 64];
const KINDS: Tampering[] = ['edit', 'delete', 'insert', 'reorder', 'truncate'];
const positions = (size: number) => ({ start: 0, middle: Math.floor(size / 2), end: size - 1 });

const names = (problem: AuditProblem, position: number): boolean =>
  problem.index === position ||
  (problem.range !== undefined && problem.range[0] <= position && position < problem.range[1]);

const matrix: string[] = [];
const logs = new Map<number, BuiltLog>();
async function logOf(size: number): Promise<BuiltLog> {
  let log = logs.get(size);
  if (!log) {
    log = await buildLog(size, [Math.floor(size / 2)]);
    logs.set(size, log);
  }
  return log;
}

describe('tamper matrix: the verifier fails and names the entry', () => {
  it('an untouched log verifies', async () => {
    for (const size of SIZES) {
      const log = await logOf(size);
      const report = await verifyAuditLog({
        bundle: toBundle(log.records, log.checkpoints),
        verifierKey: log.verifierKey,
        trustedCheckpoint: log.trustedCheckpoint,
      });
      expect(report).toMatchObject({ ok: true, size, verifiedSize: size, problems: [] });
    }
  });

  for (const size of SIZES) {
    for (const kind of KINDS) {
      for (const [where, position] of Object.entries(positions(size))) {
        if (kind === 'reorder' && size === 1) continue;
        it(`${kind} at the ${where} (entry ${position}) of ${size} entries`, async () => {
          const log = await logOf(size);
          const records = tamper(log.records, kind, position);
          const checkpoints = kind === 'truncate' ? checkpointsUpTo(log.checkpoints, position) : log.checkpoints;
          const report = await verifyAuditLog({
            bundle: toBundle(records, checkpoints),
            verifierKey: log.verifierKey,
            trustedCheckpoint: log.trustedCheckpoint,
          });
          expect(report.ok).toBe(false);
          const [first] = report.problems;
          expect(first).toBeDefined();
          expect(names(first as AuditProblem, position)).toBe(true);
          matrix.push(`| ${kind} | ${where} | ${size} | ${first?.kind} | ${first?.message} |`);
        });
      }
    }
  }

  it('a log edited and re-signed with another key (a forger) fails: checkpoints invalid, trusted root differs', async () => {
    const log = await logOf(17);
    const forger = generateKeyPairSync('ed25519');
    const records = relink(tamper(log.records, 'edit', 8));
    const forged = forgeCheckpoints(records, [8, 17], forger.privateKey, forger.publicKey);
    const report = await verifyAuditLog({
      bundle: toBundle(records, forged),
      verifierKey: log.verifierKey,
      trustedCheckpoint: log.trustedCheckpoint,
    });
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.kind)).toEqual([
      'checkpoint-invalid',
      'checkpoint-invalid',
      'root-mismatch',
    ]);
    expect(report.problems[2]?.range).toEqual([0, 17]);
    await expect(
      verifyAuditLog({ bundle: toBundle(records, forged), verifierKey: log.verifierKey }),
    ).rejects.toMatchObject({
      code: 'AUDIT_SIGNATURE_INVALID',
    });
    matrix.push(
      `| re-signed forgery (edit 8, relinked, checkpoints signed by another key) | middle | 17 | ${report.problems.map((problem) => problem.kind).join(', ')} | ${report.problems[2]?.message} |`,
    );
  });

  it('a wrong verifier key is AUDIT_SIGNATURE_INVALID, never a crash', async () => {
    const log = await logOf(4);
    const other = await buildLog(1);
    await expect(
      verifyAuditLog({
        bundle: toBundle(log.records, log.checkpoints),
        verifierKey: other.verifierKey,
        trustedCheckpoint: log.trustedCheckpoint,
      }),
    ).rejects.toMatchObject({ code: 'AUDIT_SIGNATURE_INVALID' });
  });

  it.runIf(process.env.WARDEN_AUDIT_MATRIX)('prints the matrix', () => {
    console.log(
      ['| tampering | where | size | first finding | message |', '|---|---|---|---|---|', ...matrix].join('\n'),
    );
  });
});

describe('tampering properties (fast-check)', () => {
  it('any single tampering of a random log, with or without relinking, is found and located', async () => {
    const built = new Map<number, BuiltLog>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom<Tampering>(...KINDS),
        fc.nat(),
        fc.boolean(),
        async (size, kind, rawPosition, relinked) => {
          let log = built.get(size);
          if (!log) {
            log = await buildLog(size, [Math.ceil(size / 3)]);
            built.set(size, log);
          }
          const position = rawPosition % size;
          let records = tamper(log.records, kind, position);
          if (relinked) records = relink(records);
          const checkpoints = kind === 'truncate' ? checkpointsUpTo(log.checkpoints, position) : log.checkpoints;
          const report = await verifyAuditLog({
            bundle: toBundle(records, checkpoints),
            verifierKey: log.verifierKey,
            trustedCheckpoint: log.trustedCheckpoint,
          });
          expect(report.ok).toBe(false);
          expect(
            report.problems.some(
              (problem) =>
                names(problem, kind === 'reorder' && position === size - 1 ? position - 1 : position) ||
                names(problem, position),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a log rewritten wholesale', () => {
  it('150,000 entries overwritten with garbage: a report naming every one, not a crash', async () => {
    const log = await logOf(4);
    const garbage = Array.from({ length: 150_000 }, () => new TextEncoder().encode('not an entry'));
    const report = await verifyAuditLog({
      bundle: toBundle(garbage, log.checkpoints),
      verifierKey: log.verifierKey,
      trustedCheckpoint: log.trustedCheckpoint,
    });
    expect(report.ok).toBe(false);
    const malformed = report.problems.filter((problem) => problem.kind === 'malformed-entry');
    expect(malformed).toHaveLength(150_000);
    expect([malformed[0]?.index, malformed.at(-1)?.index]).toEqual([0, 149_999]);
  });
});

describe('a bundle that is no bundle', () => {
  it.each([null, false, 0, ''])(
    'bundle %j is INVALID_INPUT, never read as "no bundle" and the current directory verified instead',
    async (bundle) => {
      const log = await logOf(4);
      await expect(
        verifyAuditLog({ bundle: bundle as never, verifierKey: log.verifierKey, directory: 'unused' }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('bundle') });
    },
  );
});
