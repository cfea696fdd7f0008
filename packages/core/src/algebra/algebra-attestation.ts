/**
 * Ed25519 attestations over a canonical encoding of a capability, signed and verified with
 * `node:crypto`.
 *
 * The signed bytes are `warden.capability-attestation.v2\n` followed by the canonical JSON (sorted
 * keys, no whitespace) of `{ attestation: { attesterId, claim, evidence }, capability: { … } }`,
 * where the capability part holds every field that decides what the capability allows: `id`,
 * `scope`, `resource`, `actions`, `constraints`, `grantedBy`, `grantedTo`, `grantedAt`,
 * `expiresAt` (as created, or as restored from a snapshot), `delegatable`, `parentCapabilityId`,
 * `derivation`, `derivedFrom` and `delegationDepth`. So a snapshot edited to lift an expiry, drop a
 * constraint or change a parent keeps no valid attestation. Revocation and the attestations
 * themselves are left out: `revoke` only ever narrows a capability, and the algebra enforces it.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import { canonicalJson } from '../payload-digest.js';
import type { AlgebraCapability, AttestationInput, AttesterPublicKey } from './algebra-types.js';

const PAYLOAD_PREFIX = 'warden.capability-attestation.v2\n';
const SIGNATURE_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The capability fields an attestation covers (every field that decides what it allows). */
export type AttestedCapabilityFields = Pick<
  AlgebraCapability,
  | 'id'
  | 'expiresAt'
  | 'scope'
  | 'resource'
  | 'actions'
  | 'constraints'
  | 'grantedBy'
  | 'grantedTo'
  | 'grantedAt'
  | 'delegatable'
  | 'parentCapabilityId'
  | 'derivation'
  | 'derivedFrom'
  | 'delegationDepth'
>;

/** The exact bytes an attester signs (and the algebra verifies) for `attestation` on `capability`. */
export function encodeAttestationPayload(
  capability: AttestedCapabilityFields,
  attestation: Pick<AttestationInput, 'attesterId' | 'claim' | 'evidence'>,
): Buffer {
  const body = canonicalJson({
    attestation: {
      attesterId: attestation.attesterId,
      claim: attestation.claim,
      evidence: attestation.evidence ?? null,
    },
    capability: {
      id: capability.id,
      scope: capability.scope,
      resource: capability.resource,
      actions: capability.actions,
      constraints: capability.constraints,
      grantedBy: capability.grantedBy,
      grantedTo: capability.grantedTo,
      grantedAt: capability.grantedAt,
      expiresAt: capability.expiresAt,
      delegatable: capability.delegatable,
      parentCapabilityId: capability.parentCapabilityId,
      derivation: capability.derivation,
      derivedFrom: capability.derivedFrom,
      delegationDepth: capability.delegationDepth,
    },
  });
  return Buffer.from(PAYLOAD_PREFIX + body, 'utf8');
}

/**
 * Signs an attestation with an Ed25519 private key (a `KeyObject` or PKCS#8 PEM) and returns the
 * base64 signature to pass as `attestation.signature`.
 */
export function signAttestation(
  capability: AttestedCapabilityFields,
  attestation: Pick<AttestationInput, 'attesterId' | 'claim' | 'evidence'>,
  privateKey: KeyObject | string,
): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError({
      message: 'Attestations are signed with Ed25519 keys',
      issues: [{ path: 'privateKey', message: 'must be an Ed25519 private key' }],
    });
  }
  return sign(null, encodeAttestationPayload(capability, attestation), key).toString('base64');
}

/** True only when `signature` is a well-formed Ed25519 signature of `payload` by `publicKey`. */
export function verifyAttestationSignature(payload: Buffer, signature: string, publicKey: KeyObject): boolean {
  if (!BASE64.test(signature)) return false;
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== SIGNATURE_BYTES) return false;
  try {
    return verify(null, payload, publicKey, bytes);
  } catch {
    return false;
  }
}

/** Turns configured attester keys into Ed25519 public `KeyObject`s, or throws naming the bad one. */
export function loadAttesterKeys(keys: Readonly<Record<string, AttesterPublicKey>>): Map<string, KeyObject> {
  const loaded = new Map<string, KeyObject>();
  for (const [attesterId, key] of Object.entries(keys)) {
    const publicKey = toEd25519PublicKey(key);
    if (publicKey === undefined) {
      throw new InvalidInputError({
        message: `Invalid capability algebra options: attesterKeys.${attesterId} is not an Ed25519 public key`,
        issues: [{ path: `attesterKeys.${attesterId}`, message: 'must be an Ed25519 public key (KeyObject or PEM)' }],
      });
    }
    loaded.set(attesterId, publicKey);
  }
  return loaded;
}

function toEd25519PublicKey(key: AttesterPublicKey): KeyObject | undefined {
  try {
    const publicKey = typeof key === 'string' ? createPublicKey(key) : key;
    if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') return undefined;
    return publicKey;
  } catch {
    return undefined;
  }
}
