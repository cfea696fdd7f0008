import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * What a peer signs: a version tag, the method, the path (with its query), the timestamp and the
 * raw body, one per line. Binding method, path and time stops a signed body from being replayed
 * against another endpoint or long after it was sent.
 */
export function peerSigningPayload(request: { method: string; path: string; body: string }, timestamp: string): Buffer {
  return Buffer.from(`warden-peer-v1\n${request.method.toUpperCase()}\n${request.path}\n${timestamp}\n${request.body}`);
}

/**
 * Loads a base64 SPKI (DER) Ed25519 public key, or `undefined` when it is not one written
 * exactly as it exports (padded standard base64, nothing else). Node's base64 decoder skips
 * characters it does not know and stops at the padding, so `<key>=APPROVED-BY-alice` or a key
 * with a CSI byte inside decoded to the same key: the peer's identity, which operators read in
 * the approvals listing and the audit log, would be text of its choosing, and one key would be
 * many sources.
 */
export function loadEd25519PublicKey(publicKey: string): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return undefined;
    return key.export({ format: 'der', type: 'spki' }).toString('base64') === publicKey ? key : undefined;
  } catch {
    return undefined;
  }
}

/** True when `signature` (base64) is `publicKey`'s Ed25519 signature over `payload`. */
export function verifyPeerSignature(publicKey: string, signature: string, payload: Buffer): boolean {
  const key = loadEd25519PublicKey(publicKey);
  if (!key) return false;
  try {
    return verify(null, payload, key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Signs a request as a peer would: returns the three headers to send. */
export function signPeerRequest(
  keys: { publicKey: string; privateKey: KeyObject },
  request: { method: string; path: string; body: string },
  timestamp: number,
): Record<string, string> {
  const stamp = String(timestamp);
  return {
    'X-Peer-Key': keys.publicKey,
    'X-Peer-Timestamp': stamp,
    'X-Peer-Signature': sign(null, peerSigningPayload(request, stamp), keys.privateKey).toString('base64'),
  };
}
