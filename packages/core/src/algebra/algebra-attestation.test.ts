import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CapabilityNotFoundError, InvalidInputError } from '../errors.js';
import { encodeAttestationPayload, signAttestation } from './algebra-attestation.js';
import { CapabilityAlgebra, createCapabilityAlgebra } from './capability-algebra.js';

const START = 1_750_000_000_000;
const reviewer = generateKeyPairSync('ed25519');
const impostor = generateKeyPairSync('ed25519');

function setup() {
  const algebra = createCapabilityAlgebra({
    now: () => START,
    attesterKeys: {
      reviewer: reviewer.publicKey,
      auditor: reviewer.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    },
  });
  const capability = algebra.grant({
    scope: 'tool',
    resource: 'deploy',
    actions: ['execute'],
    grantedBy: 'authority',
    grantedTo: 'agent-a',
  });
  return { algebra, capability };
}

const claim = { attesterId: 'reviewer', claim: 'reviewed', evidence: 'https://review/1' };

describe('attest(capabilityId, attestation)', () => {
  it('records a correctly signed attestation, and verifyAttestations reports it valid', () => {
    const { algebra, capability } = setup();
    const signature = signAttestation(capability, claim, reviewer.privateKey);
    const attested = algebra.attest(capability.id, { ...claim, signature });
    expect(attested.attestations).toEqual([{ ...claim, signature, attestedAt: START }]);
    expect(algebra.verifyAttestations(capability.id).map((result) => result.status)).toEqual(['valid']);
  });

  it('verifies against PEM keys too', () => {
    const { algebra, capability } = setup();
    const auditorClaim = { ...claim, attesterId: 'auditor' };
    const signature = signAttestation(capability, auditorClaim, reviewer.privateKey);
    algebra.attest(capability.id, { ...auditorClaim, signature });
    expect(algebra.verifyAttestations(capability.id)[0]?.status).toBe('valid');
  });

  it('rejects a signature by the wrong key with InvalidInputError and records nothing (never silently accepted)', () => {
    const { algebra, capability } = setup();
    const signature = signAttestation(capability, claim, impostor.privateKey);
    expect(() => algebra.attest(capability.id, { ...claim, signature })).toThrow(InvalidInputError);
    expect(algebra.getCapability(capability.id)?.attestations).toEqual([]);
  });

  it('rejects a signature over other content (a changed claim) and a malformed signature', () => {
    const { algebra, capability } = setup();
    const signature = signAttestation(capability, claim, reviewer.privateKey);
    expect(() => algebra.attest(capability.id, { ...claim, claim: 'approved', signature })).toThrow(InvalidInputError);
    expect(() => algebra.attest(capability.id, { ...claim, signature: 'not base64!' })).toThrow(InvalidInputError);
    expect(() => algebra.attest(capability.id, { ...claim, signature: 'AAAA' })).toThrow(InvalidInputError);
  });

  it('a signature for one capability does not verify for another', () => {
    const { algebra, capability } = setup();
    const other = algebra.grant({
      scope: 'tool',
      resource: 'deploy',
      actions: ['execute'],
      grantedBy: 'authority',
      grantedTo: 'agent-b',
    });
    const signature = signAttestation(capability, claim, reviewer.privateKey);
    expect(() => algebra.attest(other.id, { ...claim, signature })).toThrow(InvalidInputError);
  });

  it('records unsigned attestations and those by unknown attesters, reported as such', () => {
    const { algebra, capability } = setup();
    algebra.attest(capability.id, { attesterId: 'reviewer', claim: 'looked at it' });
    const stranger = { attesterId: 'stranger', claim: 'trust me' };
    algebra.attest(capability.id, {
      ...stranger,
      signature: signAttestation(capability, stranger, impostor.privateKey),
    });
    expect(algebra.verifyAttestations(capability.id).map((result) => result.status)).toEqual([
      'unsigned',
      'unknown-attester',
    ]);
  });

  it('reports a tampered stored signature as invalid (a restored snapshot is verified, not trusted)', () => {
    const { algebra, capability } = setup();
    algebra.attest(capability.id, { ...claim, signature: signAttestation(capability, claim, reviewer.privateKey) });
    const snapshot = JSON.parse(JSON.stringify(algebra));
    snapshot.capabilities[0].attestations[0].claim = 'approved for production';
    const reloaded = CapabilityAlgebra.fromJSON(snapshot, { attesterKeys: { reviewer: reviewer.publicKey } });
    expect(reloaded.verifyAttestations(capability.id)[0]?.status).toBe('invalid');
  });

  it.each<[string, (capability: Record<string, unknown>) => void]>([
    ['lifts the expiry', (capability) => (capability.expiresAt = null)],
    ['moves the expiry later', (capability) => (capability.expiresAt = (capability.expiresAt as number) + 1)],
    ['drops a constraint', (capability) => (capability.constraints = [])],
    ['widens the actions', (capability) => (capability.actions = ['*'])],
    ['widens the resource', (capability) => (capability.resource = '*')],
    ['changes the scope', (capability) => (capability.scope = 'fs')],
    ['makes it delegatable', (capability) => (capability.delegatable = true)],
  ])('reports an attestation invalid after a snapshot edit that %s', (_edit, edit) => {
    const algebra = createCapabilityAlgebra({ now: () => START, attesterKeys: { reviewer: reviewer.publicKey } });
    const capability = algebra.grant({
      scope: 'tool',
      resource: 'deploy',
      actions: ['execute'],
      grantedBy: 'authority',
      grantedTo: 'agent-a',
      expiresAt: START + 60_000,
      constraints: [{ type: 'budget', params: { limit: 5 } }],
    });
    algebra.attest(capability.id, { ...claim, signature: signAttestation(capability, claim, reviewer.privateKey) });
    const snapshot = JSON.parse(JSON.stringify(algebra));
    const untouched = CapabilityAlgebra.fromJSON(snapshot, { attesterKeys: { reviewer: reviewer.publicKey } });
    expect(untouched.verifyAttestations(capability.id)[0]?.status).toBe('valid');
    edit(snapshot.capabilities[0]);
    const reloaded = CapabilityAlgebra.fromJSON(snapshot, { attesterKeys: { reviewer: reviewer.publicKey } });
    expect(reloaded.verifyAttestations(capability.id)[0]?.status).toBe('invalid');
  });

  it('reports an attestation on a derived capability invalid when a snapshot edit changes its parent', () => {
    const algebra = createCapabilityAlgebra({ now: () => START, attesterKeys: { reviewer: reviewer.publicKey } });
    const grant = { scope: 'tool', resource: 'deploy', actions: ['execute'], grantedBy: 'authority' };
    const first = algebra.grant({ ...grant, grantedTo: 'agent-a' });
    const second = algebra.grant({ ...grant, grantedTo: 'agent-a' });
    const child = algebra.restrict(first, {});
    algebra.attest(child.id, { ...claim, signature: signAttestation(child, claim, reviewer.privateKey) });
    const snapshot = JSON.parse(JSON.stringify(algebra));
    snapshot.capabilities[2].parentCapabilityId = second.id;
    snapshot.capabilities[2].derivedFrom = [second.id];
    const reloaded = CapabilityAlgebra.fromJSON(snapshot, { attesterKeys: { reviewer: reviewer.publicKey } });
    expect(reloaded.verifyAttestations(child.id)[0]?.status).toBe('invalid');
  });

  it('of an unknown capability throws CapabilityNotFoundError (seed: silently ignored)', () => {
    const { algebra } = setup();
    expect(() => algebra.attest('nope', claim)).toThrow(CapabilityNotFoundError);
    expect(() => algebra.verifyAttestations('nope')).toThrow(CapabilityNotFoundError);
  });
});

describe('encodeAttestationPayload(capability, attestation)', () => {
  it('is canonical: independent of key order, and covers the capability definition and the claim', () => {
    const { capability } = setup();
    const reordered = Object.fromEntries(Object.entries(capability).reverse()) as typeof capability;
    expect(encodeAttestationPayload(reordered, claim).equals(encodeAttestationPayload(capability, claim))).toBe(true);
    const payload = encodeAttestationPayload(capability, claim).toString('utf8');
    expect(payload.startsWith('warden.capability-attestation.v2\n{"attestation":{"attesterId":"reviewer"')).toBe(true);
    expect(payload).toContain(`"id":"${capability.id}"`);
    const wider = { ...capability, actions: ['*'] };
    expect(encodeAttestationPayload(wider, claim).equals(encodeAttestationPayload(capability, claim))).toBe(false);
    const later = { ...capability, expiresAt: START + 1 };
    expect(encodeAttestationPayload(later, claim).equals(encodeAttestationPayload(capability, claim))).toBe(false);
    expect(payload).toContain('"expiresAt":null');
  });
});

describe('createCapabilityAlgebra({ attesterKeys })', () => {
  it('rejects a key that is not an Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createCapabilityAlgebra({ attesterKeys: { x: rsa.publicKey } })).toThrow(InvalidInputError);
    expect(() => createCapabilityAlgebra({ attesterKeys: { x: reviewer.privateKey } })).toThrow(InvalidInputError);
    expect(() => createCapabilityAlgebra({ attesterKeys: { x: 'not a pem' } })).toThrow(InvalidInputError);
  });
});
