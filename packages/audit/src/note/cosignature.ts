/**
 * Timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature, type 0x04): a
 * witness signs `cosignature/v1\ntime <seconds>\n` followed by the checkpoint text, and its
 * signature line carries `key ID || u64 timestamp || signature`.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import { type KeyObject, sign, verify } from 'node:crypto';
import { AuditSignatureError } from '../errors.js';
import { ED25519_COSIGNATURE_TYPE, noteKeyId, rawPublicKey } from './keys.js';
import { formatSignatureLine, type NoteSignature, parseNote, signatureMatches } from './signed-note.js';

/** The message a cosigner signs for `checkpointText` at `timestamp` (POSIX seconds). */
export function cosignatureMessage(checkpointText: string, timestamp: number): string {
  return `cosignature/v1\ntime ${timestamp}\n${checkpointText}`;
}

/** The cosignature line of witness `name` over `checkpointText` at `timestamp` seconds. */
export function cosignCheckpoint(
  checkpointText: string,
  name: string,
  privateKey: KeyObject,
  publicKey: KeyObject,
  timestamp: number,
): string {
  const keyId = noteKeyId(name, ED25519_COSIGNATURE_TYPE, rawPublicKey(publicKey));
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, Buffer.from(cosignatureMessage(checkpointText, timestamp), 'utf8'), privateKey);
  return formatSignatureLine(name, keyId, Buffer.concat([time, signature]));
}

/** The timestamp (POSIX seconds) and Ed25519 signature inside a cosignature line. */
export function decodeCosignature(signature: NoteSignature): { timestamp: number; signature: Uint8Array } {
  const bytes = Buffer.from(signature.signature);
  if (bytes.length !== 8 + 64)
    throw new AuditSignatureError({
      message: `cosignature by ${signature.name} has ${bytes.length} bytes, expected 72`,
    });
  const timestamp = bytes.readBigUInt64BE(0);
  if (timestamp >= 2n ** 63n)
    throw new AuditSignatureError({ message: `cosignature by ${signature.name} has a timestamp beyond 2^63-1` });
  return { timestamp: Number(timestamp), signature: bytes.subarray(8) };
}

/**
 * Verifies the cosignature of witness `name` on a signed checkpoint note and returns its
 * timestamp (POSIX seconds). Throws `AUDIT_SIGNATURE_INVALID` when the witness did not cosign.
 */
export function verifyCosignature(note: string, name: string, publicKey: KeyObject): number {
  const parsed = parseNote(note);
  const keyId = noteKeyId(name, ED25519_COSIGNATURE_TYPE, rawPublicKey(publicKey));
  for (const candidate of parsed.signatures.filter((line) => signatureMatches(line, name, keyId))) {
    const { timestamp, signature } = decodeCosignature(candidate);
    const message = Buffer.from(cosignatureMessage(parsed.text, timestamp), 'utf8');
    if (verify(null, message, publicKey, signature)) return timestamp;
  }
  throw new AuditSignatureError({ message: `the checkpoint carries no valid cosignature by witness ${name}` });
}
