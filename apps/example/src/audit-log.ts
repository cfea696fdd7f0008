import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEntry, type AuditLog, createAuditLog, exportAuditBundle } from '@warden/audit';
import type { SecurityEvent } from '@warden/core';

/** The host's tamper-evident audit log (`@warden/audit`), with a way to read its events back. */
export interface HostAuditLog extends AuditLog {
  /** The log's directory (`entries/`, `checkpoints/`). */
  readonly directory: string;
  /** Every event stored, in order (reads the files; complete once the log is closed). */
  events(): Promise<SecurityEvent[]>;
}

/**
 * Opens the host's audit log in `directory`: every security event (already redacted by core) is
 * appended to an RFC 6962 Merkle log whose checkpoints are signed every second. Failed appends are
 * reported to `onError`, and the log fails closed: the host then refuses requests.
 *
 * The signing key is `signing-key.pem` in the directory, generated on first use. That keeps the
 * example self-contained; a real host loads it from a secret store and keeps it away from the log
 * (whoever can read the key can re-sign a forged log).
 */
export function createHostAuditLog(directory: string, onError: (error: unknown) => void = () => {}): HostAuditLog {
  const log = createAuditLog({
    directory,
    signingKey: loadOrCreateSigningKey(directory),
    origin: 'warden.example/audit',
    onFailure: ({ error }) => onError(error),
  });
  return Object.assign(log, {
    directory,
    async events() {
      const { entries } = await exportAuditBundle({ directory });
      return entries.map((entry) => (JSON.parse(Buffer.from(entry, 'base64').toString('utf8')) as AuditEntry).event);
    },
  });
}

function loadOrCreateSigningKey(directory: string): string {
  const path = join(directory, 'signing-key.pem');
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  return pem;
}
