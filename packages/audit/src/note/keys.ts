/**
 * Ed25519 keys in the forms C2SP signed-note uses: raw 32-byte public keys, key IDs and
 * verifier keys (`<name>+<hex key ID>+<base64(type || public key)>`).
 *
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidInputError } from '@warden/core';

/** Signature type byte of Ed25519 note signatures (c2sp.org/signed-note). */
export const ED25519_NOTE_TYPE = 0x01;
/** Signature type byte of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature). */
export const ED25519_COSIGNATURE_TYPE = 0x04;

/** An Ed25519 private key as a `KeyObject`, a PEM string, or a 32-byte seed. */
export type Ed25519PrivateKeyInput = KeyObject | string | Uint8Array;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function invalidKey(path: string, message: string): InvalidInputError {
  return new InvalidInputError({ message: `${path}: ${message}`, issues: [{ path, message }] });
}

/** Parses an Ed25519 private key; throws `INVALID_INPUT` naming `path` otherwise. */
export function toEd25519PrivateKey(input: Ed25519PrivateKeyInput, path: string): KeyObject {
  let key: KeyObject;
  try {
    if (input instanceof Uint8Array) {
      if (input.length !== 32) throw invalidKey(path, 'an Ed25519 seed has 32 bytes');
      key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, input]), format: 'der', type: 'pkcs8' });
    } else key = typeof input === 'string' ? createPrivateKey(input) : input;
  } catch (error) {
    if (InvalidInputError.isInstance(error)) throw error;
    throw invalidKey(path, 'is not a readable private key');
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519')
    throw invalidKey(path, 'must be an Ed25519 private key');
  return key;
}

/** The raw 32 bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** Turns raw 32 bytes into a public `KeyObject`. */
function publicKeyFromRaw(raw: Uint8Array, path: string): KeyObject {
  if (raw.length !== 32) throw invalidKey(path, 'an Ed25519 public key has 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** `SHA-256(name || 0x0A || type || public key)[:4]`, the key ID of signed-note. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, type]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** A parsed verifier key. */
export interface VerifierKey {
  /** The key name. */
  name: string;
  /** The signature type byte. */
  type: number;
  /** The 4-byte key ID. */
  keyId: Uint8Array;
  /** The Ed25519 public key. */
  publicKey: KeyObject;
}

/**
 * Formats a C2SP verifier key (`example.com/log+1a2b3c4d+AQ…`) for an Ed25519 public key, to
 * hand to readers of the log. `type` is `0x01` for a log key, `0x04` for a witness key.
 */
export function formatVerifierKey(name: string, publicKey: KeyObject, type: number = ED25519_NOTE_TYPE): string {
  const raw = rawPublicKey(publicKey);
  const id = Buffer.from(noteKeyId(name, type, raw)).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([type]), raw]).toString('base64')}`;
}

/** Parses a C2SP verifier key; throws `INVALID_INPUT` when it is malformed or its key ID does not match. */
export function parseVerifierKey(vkey: string, path = 'publicKey'): VerifierKey {
  // The key name holds no "+", but the base64 key material may.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(vkey.trim());
  const [, name, idHex, material] = match ?? [];
  if (!name || !idHex || !material) {
    throw invalidKey(path, 'is not a verifier key <name>+<hex key id>+<base64 key>');
  }
  const decoded = Buffer.from(material, 'base64');
  const type = decoded[0] ?? -1;
  if (type !== ED25519_NOTE_TYPE && type !== ED25519_COSIGNATURE_TYPE) {
    throw invalidKey(path, `has signature type ${type}, expected Ed25519 (1) or Ed25519 cosignature (4)`);
  }
  const raw = decoded.subarray(1);
  const keyId = noteKeyId(name, type, raw);
  if (Buffer.from(keyId).toString('hex') !== idHex) throw invalidKey(path, 'key ID does not match the key');
  return { name, type, keyId, publicKey: publicKeyFromRaw(raw, path) };
}
