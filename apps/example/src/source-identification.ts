import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AccessDeniedError,
  createInjectionSource,
  type InjectionSource,
  RateLimitedError,
  type TrustLevel,
} from '@warden/core';
import { loadEd25519PublicKey, peerSigningPayload, verifyPeerSignature } from './peer-signature.js';
import { PEER_FUTURE_SKEW_MS, type ReplayGuard } from './replay-guard.js';

/** The credentials a request may carry, taken from its headers. */
export interface RequestCredentials {
  /** `Authorization: Bearer <token>`: an operator's token (owner). */
  bearerToken?: string;
  /** `X-Api-Key`: an API client's key. */
  apiKey?: string;
  /** `X-Peer-Key`: a P2P peer's Ed25519 public key (base64 SPKI DER). */
  peerPublicKey?: string;
  /** `X-Peer-Signature`: the peer's Ed25519 signature (base64) over {@link peerSigningPayload}. */
  peerSignature?: string;
  /** `X-Peer-Timestamp`: when the peer signed, in epoch milliseconds. */
  peerTimestamp?: string;
}

/** Who the host knows. Secrets are held as SHA-256 digests only. */
export interface KnownIdentities {
  /** Operators by name, with the SHA-256 (hex) of their token. Operators are owners. */
  operators: readonly { name: string; tokenSha256: string }[];
  /** API clients by id: SHA-256 (hex) of their key and their trust level. */
  apiKeys: readonly { id: string; keySha256: string; trustLevel: TrustLevel }[];
  /** Configured peers by public key, with their trust level; any other validly signing peer is "discovered". */
  peers: readonly { publicKey: string; trustLevel: TrustLevel }[];
}

/** The request as signed by a peer. */
export interface SignedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query string. */
  path: string;
  /** The raw body ('' when there is none). */
  body: string;
}

/** How peer signatures are checked for freshness. */
export interface PeerFreshness {
  /** The current time (epoch ms). */
  now: number;
  /**
   * How far behind `now` the peer's timestamp may be. Ahead of `now` it may be only
   * {@link PEER_FUTURE_SKEW_MS}: a signature dated ahead stays fresh longer, so one dated up to a
   * window ahead and used before a restart would be fresh, and forgotten, after it.
   */
  windowMs: number;
  /** Refuses a signature seen before. */
  replays: ReplayGuard;
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

const denied = (message: string): AccessDeniedError => new AccessDeniedError({ message });

/**
 * Step 1 of the pipeline: turns a request's credentials into an injection source and trust level.
 * An operator token makes a `cli` (owner) source named after the operator; an API key an `api`
 * source at its configured trust; a peer that signed the request with its Ed25519 key a `p2p`
 * source at its configured trust, or a `p2p-discovery` (untrusted) source when the host does not
 * know it. Exactly one kind of credential must be sent. The identity comes only from verified
 * credentials, never from the body.
 *
 * @throws {@link AccessDeniedError} for missing, ambiguous or wrong credentials, and for a peer
 * signature that does not verify, is outside the time window or was seen before;
 * {@link RateLimitedError} when the replay guard is full (a flood of signed requests): the
 * request is refused rather than accepted unremembered.
 */
export function identifySource(
  credentials: RequestCredentials,
  request: SignedRequest,
  known: KnownIdentities,
  freshness: PeerFreshness,
): InjectionSource {
  const { bearerToken, apiKey, peerPublicKey } = credentials;
  const kinds = [bearerToken, apiKey, peerPublicKey].filter((value) => value !== undefined).length;
  if (kinds === 0) throw denied('No credentials: send an operator token, an API key or a signed peer request');
  if (kinds > 1) throw denied('Send exactly one kind of credential');
  if (bearerToken !== undefined) {
    const operator = known.operators.find((candidate) => sameDigest(bearerToken, candidate.tokenSha256));
    if (!operator) throw denied('Unknown operator token');
    return createInjectionSource('cli', { identity: { userId: operator.name } });
  }
  if (apiKey !== undefined) {
    const client = known.apiKeys.find((candidate) => sameDigest(apiKey, candidate.keySha256));
    if (!client) throw denied('Unknown API key');
    return createInjectionSource('api', { trustLevel: client.trustLevel, identity: { userId: client.id } });
  }
  const publicKey = peerPublicKey as string;
  verifyFreshSignature(publicKey, credentials, request, freshness);
  const peer = known.peers.find((candidate) => candidate.publicKey === publicKey);
  if (!peer) return createInjectionSource('p2p-discovery', { identity: { publicKey } });
  return createInjectionSource('p2p', { trustLevel: peer.trustLevel, identity: { publicKey } });
}

function verifyFreshSignature(
  publicKey: string,
  credentials: RequestCredentials,
  request: SignedRequest,
  freshness: PeerFreshness,
): void {
  const { peerSignature = '', peerTimestamp = '' } = credentials;
  if (loadEd25519PublicKey(publicKey) === undefined) {
    throw denied('Peer signature does not verify: X-Peer-Key must be an Ed25519 key in base64 SPKI DER, as exported');
  }
  if (!/^\d{1,16}$/.test(peerTimestamp)) throw denied('Peer requests need X-Peer-Timestamp in epoch milliseconds');
  const timestamp = Number(peerTimestamp);
  if (timestamp < freshness.now - freshness.windowMs) throw denied('Peer signature is too old: check the clock');
  if (timestamp > freshness.now + PEER_FUTURE_SKEW_MS) {
    throw denied(`Peer signature is from the future (more than ${PEER_FUTURE_SKEW_MS} ms ahead): check the clock`);
  }
  if (!verifyPeerSignature(publicKey, peerSignature, peerSigningPayload(request, peerTimestamp))) {
    throw denied('Peer signature does not verify');
  }
  const verdict = freshness.replays.remember(Buffer.from(peerSignature, 'base64'), timestamp, freshness.now);
  if (verdict === 'replay') throw denied('Peer signature was already used: sign every request anew');
  if (verdict === 'stale') {
    throw denied('Peer signature is older than the host accepts (made before it started or its window): sign anew');
  }
  if (verdict === 'future') throw denied('Peer signature is from the future: check the clock');
  if (verdict === 'full') {
    throw new RateLimitedError({
      message: 'Too many signed peer requests within the signature window: retry in a few minutes',
    });
  }
}
