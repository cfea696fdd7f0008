import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { identifySource, type KnownIdentities, sha256Hex } from './source-identification.js';

function peerKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const encoded = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    publicKey: encoded,
    signBody: (body: string) => sign(null, Buffer.from(body), privateKey).toString('base64'),
  };
}

const trustedPeer = peerKeys();
const known: KnownIdentities = {
  ownerTokenSha256: sha256Hex('owner-token'),
  apiKeys: [{ id: 'ci-bot', keySha256: sha256Hex('api-key-1'), trustLevel: 'semi-trusted' }],
  peers: [{ publicKey: trustedPeer.publicKey, trustLevel: 'trusted' }],
};

describe('identifySource(credentials, body, known)', () => {
  it('makes the operator token an owner cli source', () => {
    expect(identifySource({ bearerToken: 'owner-token' }, '', known)).toMatchObject({
      type: 'cli',
      trustLevel: 'owner',
    });
  });

  it('gives an API key its configured trust and id', () => {
    expect(identifySource({ apiKey: 'api-key-1' }, '', known)).toMatchObject({
      type: 'api',
      trustLevel: 'semi-trusted',
      identity: { userId: 'ci-bot' },
    });
  });

  it('trusts a configured peer that signed the body, and treats an unknown signer as discovered', () => {
    const body = '{"message":"hi"}';
    const signed = { peerPublicKey: trustedPeer.publicKey, peerSignature: trustedPeer.signBody(body) };
    expect(identifySource(signed, body, known)).toMatchObject({ type: 'p2p', trustLevel: 'trusted' });
    const stranger = peerKeys();
    const discovered = identifySource(
      { peerPublicKey: stranger.publicKey, peerSignature: stranger.signBody(body) },
      body,
      known,
    );
    expect(discovered).toMatchObject({ type: 'p2p-discovery', trustLevel: 'untrusted' });
  });

  it('refuses wrong tokens, unknown keys, bad signatures and missing credentials with ACCESS_DENIED', () => {
    const body = 'payload';
    expect(() => identifySource({ bearerToken: 'guess' }, body, known)).toThrow(/operator token/);
    expect(() => identifySource({ apiKey: 'nope' }, body, known)).toThrow(/API key/);
    const forged = { peerPublicKey: trustedPeer.publicKey, peerSignature: trustedPeer.signBody('other body') };
    expect(() => identifySource(forged, body, known)).toThrow(/signature/);
    expect(() => identifySource({ peerPublicKey: 'not-a-key', peerSignature: 'x' }, body, known)).toThrow(/signature/);
    expect(() => identifySource({}, body, known)).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });
});
