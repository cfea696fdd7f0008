import { type KeyObject, sign, verify } from 'node:crypto';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

/**
 * The bytes an operator signs: a domain label, the switch (`<database>/<prefix>{<name>}`: the
 * database, prefix and name, kept apart by characters the prefix and name may not hold, so a
 * record signed for one switch cannot be copied to another), and every field of the record.
 */
function signedBytes(switchId: string, record: KillSwitchRecord): Buffer {
  const fields = [
    'warden-kill-switch-v1',
    switchId,
    record.version,
    record.active,
    record.reason ?? '',
    record.actor ?? '',
    record.changedAt ?? '',
    record.basis ?? '',
  ];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/** Signs a record with the operator's Ed25519 private key; returns the base64 signature. */
export function signRecord(switchId: string, record: KillSwitchRecord, signingKey: KeyObject): string {
  return sign(null, signedBytes(switchId, record), signingKey).toString('base64');
}

/** True when the record carries a valid signature by the key matching `verifyKey`. */
export function isSignedBy(switchId: string, record: KillSwitchRecord, verifyKey: KeyObject): boolean {
  if (!record.signature) return false;
  try {
    return verify(null, signedBytes(switchId, record), verifyKey, Buffer.from(record.signature, 'base64'));
  } catch {
    return false;
  }
}
