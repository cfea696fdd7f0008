/**
 * C2SP signed notes (c2sp.org/signed-note): a text ending in a newline, a blank line, then one
 * line per signature, `— <key name> base64(key ID || signature)`.
 *
 * @module
 */

import { Buffer } from 'node:buffer';
import { type KeyObject, sign, verify } from 'node:crypto';
import { AuditLogCorruptedError, AuditSignatureError } from '../errors.js';
import { ED25519_NOTE_TYPE, noteKeyId, rawPublicKey } from './keys.js';

const EM_DASH = '\u2014';

/** Most signature lines a note may carry, as Go's golang.org/x/mod/sumdb/note allows. */
const MAX_SIGNATURES = 100;

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name. */
  name: string;
  /** The first four bytes of the decoded signature. */
  keyId: Uint8Array;
  /** The rest: the signature proper (for cosignatures, timestamp then signature). */
  signature: Uint8Array;
}

/** A note split into its text and signature lines (nothing verified yet). */
export interface ParsedNote {
  /** The signed text, ending in a newline. */
  text: string;
  /** Every signature line, in order. */
  signatures: NoteSignature[];
}

function malformed(message: string): AuditLogCorruptedError {
  return new AuditLogCorruptedError({ corruption: 'malformed-record', message: `malformed signed note: ${message}` });
}

/** Formats a signature line. */
export function formatSignatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `${EM_DASH} ${name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** Signs `text` (which must end in a newline) with an Ed25519 key named `name`: the note with one signature. */
export function signNote(text: string, name: string, privateKey: KeyObject, publicKey: KeyObject): string {
  const keyId = noteKeyId(name, ED25519_NOTE_TYPE, rawPublicKey(publicKey));
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n${formatSignatureLine(name, keyId, signature)}`;
}

/**
 * Splits a note at its last blank line and parses the signature lines; throws `AUDIT_LOG_CORRUPTED`
 * when malformed, or when it has more than 100 signature lines.
 */
export function parseNote(note: string): ParsedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw malformed('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  // Each line under a known key costs an Ed25519 verification: a note padded with thousands of
  // them (the files are writable by the attacker) would hold up a verifier for seconds.
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signature lines`);
  const signatures = lines.map((line) => {
    const match = /^\u2014 ([^ +]+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const decoded = match ? Buffer.from(match[2] ?? '', 'base64') : Buffer.alloc(0);
    if (!match?.[1] || decoded.length < 5) throw malformed(`bad signature line ${JSON.stringify(line.slice(0, 80))}`);
    return { name: match[1], keyId: decoded.subarray(0, 4), signature: decoded.subarray(4) };
  });
  if (signatures.length === 0) throw malformed('no signature');
  return { text, signatures };
}

/** True when `candidate` is a signature line of `name` and `keyId`. */
export function signatureMatches(candidate: NoteSignature, name: string, keyId: Uint8Array): boolean {
  return candidate.name === name && Buffer.compare(candidate.keyId, keyId) === 0;
}

/**
 * Verifies the note's Ed25519 signature by the key `name`/`publicKey` and returns the text.
 * Signatures by other keys are ignored, as the spec requires. Throws `AUDIT_SIGNATURE_INVALID`
 * when no signature of that key verifies.
 */
export function verifyNote(note: string, name: string, publicKey: KeyObject): string {
  const parsed = parseNote(note);
  const keyId = noteKeyId(name, ED25519_NOTE_TYPE, rawPublicKey(publicKey));
  const candidates = parsed.signatures.filter((signature) => signatureMatches(signature, name, keyId));
  const text = Buffer.from(parsed.text, 'utf8');
  if (candidates.some((candidate) => verify(null, text, publicKey, candidate.signature))) return parsed.text;
  const names = parsed.signatures.map((signature) => signature.name).join(', ');
  throw new AuditSignatureError({
    message: candidates.length
      ? `the note's signature by ${name} does not verify with the given key (the text or signature was changed)`
      : `the note is not signed by ${name}+${Buffer.from(keyId).toString('hex')} (signed by: ${names}): a wrong key or a forgery`,
  });
}
