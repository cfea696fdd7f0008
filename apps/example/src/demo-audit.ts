import { Buffer } from 'node:buffer';
import { type AuditBundle, type AuditEntry, exportAuditBundle, verifyAuditLog } from '@warden/audit';
import type { HostAuditLog } from './audit-log.js';

/**
 * The demo's last act, as lines to print: what the audit log holds, a verification of it against
 * the checkpoint the operator kept, then a copy in which an attacker with write access turned one
 * denial into a grant, and what the verifier says about that copy.
 */
export async function narrateAuditLog(auditLog: HostAuditLog): Promise<string[]> {
  const events = await auditLog.events();
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  // The checkpoint the operator (or a witness) keeps outside the log.
  const trustedCheckpoint = (await auditLog.latestCheckpoint())?.note;
  const verify = (bundle?: AuditBundle) =>
    verifyAuditLog({
      ...(bundle ? { bundle } : { directory: auditLog.directory }),
      verifierKey: auditLog.verifierKey,
      ...(trustedCheckpoint ? { trustedCheckpoint } : {}),
    });
  const lines = [
    '',
    `Audit log: ${events.length} security events in a tamper-evident Merkle log (@warden/audit) in ${auditLog.directory}`,
    `  ${[...counts].map(([type, count]) => `${type} ${count}`).join(', ')}`,
    `  verifier key ${auditLog.verifierKey}`,
  ];
  const report = await verify();
  lines.push(
    `  warden-audit verify: ${report.ok ? 'OK' : 'FAILED'}: ${report.verifiedSize} of ${report.size} entries match ${report.validCheckpoints} signed checkpoints`,
  );
  const { bundle, index } = await withOneDenialTurnedIntoGrant(auditLog.directory);
  if (index === undefined) return [...lines, '  (no denial in the log to tamper with)'];
  const tampered = await verify(bundle);
  lines.push(
    `  An attacker with write access turns entry ${index} (access_denied) into access_granted in a copy of the log;`,
    `  warden-audit verify on that copy: ${tampered.ok ? 'OK (the tampering was NOT caught)' : 'FAILED'}`,
    ...tampered.problems.map((problem) => `    - ${problem.kind}: ${problem.message}`),
  );
  return lines;
}

// A copy of the log (as an exported bundle) with the first denial rewritten.
async function withOneDenialTurnedIntoGrant(directory: string): Promise<{ bundle: AuditBundle; index?: number }> {
  const bundle = await exportAuditBundle({ directory });
  const entries = bundle.entries.map(
    (entry) => JSON.parse(Buffer.from(entry, 'base64').toString('utf8')) as AuditEntry,
  );
  const index = entries.findIndex((entry) => entry.event.type === 'access_denied');
  const entry = entries[index];
  if (!entry) return { bundle };
  const forged = { ...entry, event: { ...entry.event, type: 'access_granted' } };
  const tamperedEntries = [...bundle.entries];
  tamperedEntries[index] = Buffer.from(JSON.stringify(forged), 'utf8').toString('base64');
  return { bundle: { ...bundle, entries: tamperedEntries }, index };
}
