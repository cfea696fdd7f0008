import { createHash, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { AccessDeniedError, createInjectionSource, type InjectionSource, type TrustLevel } from '@warden/core';

/** The credentials a request may carry, taken from its headers. */
export interface RequestCredentials {
  /** `Authorization: Bearer <token>`: the operator (owner) token. */
  bearerToken?: string;
  /** `X-Api-Key`: an API client's key. */
  apiKey?: string;
  /** `X-Peer-Key`: a P2P peer's Ed25519 public key (base64 SPKI DER). */
  peerPublicKey?: string;
  /** `X-Peer-Signature`: the peer's Ed25519 signature over the raw request body (base64). */
  peerSignature?: string;
}

/** Who the host knows. Secrets are held as SHA-256 digests only. */
export interface KnownIdentities {
  /** SHA-256 (hex) of the operator token. */
  ownerTokenSha256: string;
  /** API clients by id: SHA-256 (hex) of their key and their trust level. */
  apiKeys: readonly { id: string; keySha256: string; trustLevel: TrustLevel }[];
  /** Configured peers by public key, with their trust level; any other validly signing peer is "discovered". */
  peers: readonly { publicKey: string; trustLevel: TrustLevel }[];
}

/** SHA-256 of a secret, hex. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sameDigest(secret: string, expectedSha256: string): boolean {
  const actual = Buffer.from(sha256Hex(secret), 'hex');
  const expected = Buffer.from(expectedSha256, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function verifyPeerSignature(publicKey: string, signature: string, body: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    return (
      key.asymmetricKeyType === 'ed25519' && verify(null, Buffer.from(body), key, Buffer.from(signature, 'base64'))
    );
  } catch {
    return false;
  }
}

const denied = (message: string): AccessDeniedError => new AccessDeniedError({ message });

/**
 * Step 1 of the pipeline: turns a request's credentials into an injection source and trust level.
 * An owner token makes a `cli` (owner) source; an API key an `api` source at its configured trust;
 * a peer that signed the body with its Ed25519 key a `p2p` source at its configured trust, or a
 * `p2p-discovery` (untrusted) source when the host does not know it. Anything else is refused.
 *
 * @throws {@link AccessDeniedError} for missing or wrong credentials, or a bad peer signature.
 */
export function identifySource(credentials: RequestCredentials, body: string, known: KnownIdentities): InjectionSource {
  if (credentials.bearerToken !== undefined) {
    if (!sameDigest(credentials.bearerToken, known.ownerTokenSha256)) throw denied('Unknown operator token');
    return createInjectionSource('cli', { identity: { userId: 'operator' } });
  }
  if (credentials.apiKey !== undefined) {
    const client = known.apiKeys.find((candidate) => sameDigest(credentials.apiKey as string, candidate.keySha256));
    if (!client) throw denied('Unknown API key');
    return createInjectionSource('api', { trustLevel: client.trustLevel, identity: { userId: client.id } });
  }
  if (credentials.peerPublicKey !== undefined) {
    const { peerPublicKey: publicKey, peerSignature = '' } = credentials;
    if (!verifyPeerSignature(publicKey, peerSignature, body)) throw denied('Peer signature does not verify');
    const peer = known.peers.find((candidate) => candidate.publicKey === publicKey);
    if (!peer) return createInjectionSource('p2p-discovery', { identity: { publicKey } });
    return createInjectionSource('p2p', { trustLevel: peer.trustLevel, identity: { publicKey } });
  }
  throw denied('No credentials: send an operator token, an API key or a signed peer request');
}
