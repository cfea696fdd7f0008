import { describe, expect, it } from 'vitest';
import { createPeerKeys, type PeerKeys } from './host-client.js';
import { signPeerRequest } from './peer-signature.js';
import { createReplayGuard, PEER_FUTURE_SKEW_MS } from './replay-guard.js';
import { identifySource, type KnownIdentities, type SignedRequest, sha256Hex } from './source-identification.js';

const trustedPeer = createPeerKeys();
const known: KnownIdentities = {
  operators: [
    { name: 'alice', tokenSha256: sha256Hex('alice-token') },
    { name: 'bob', tokenSha256: sha256Hex('bob-token') },
  ],
  apiKeys: [{ id: 'ci-bot', keySha256: sha256Hex('api-key-1'), trustLevel: 'semi-trusted' }],
  peers: [{ publicKey: trustedPeer.publicKey, trustLevel: 'trusted' }],
};
const NOW = 1_750_000_000_000;
const request: SignedRequest = { method: 'POST', path: '/sessions/main/messages', body: '{"message":"hi"}' };
const fresh = () => ({ now: NOW, windowMs: 60_000, replays: createReplayGuard(60_000) });

function signedBy(keys: PeerKeys, signed: SignedRequest = request, at = NOW) {
  const headers = signPeerRequest(keys, signed, at);
  return {
    peerPublicKey: headers['X-Peer-Key'],
    peerSignature: headers['X-Peer-Signature'],
    peerTimestamp: headers['X-Peer-Timestamp'],
  };
}

describe('identifySource(credentials, request, known, freshness)', () => {
  it('makes an operator token an owner cli source named after its operator', () => {
    expect(identifySource({ bearerToken: 'bob-token' }, request, known, fresh())).toMatchObject({
      type: 'cli',
      trustLevel: 'owner',
      identity: { userId: 'bob' },
    });
  });

  it('gives an API key its configured trust and id', () => {
    expect(identifySource({ apiKey: 'api-key-1' }, request, known, fresh())).toMatchObject({
      type: 'api',
      trustLevel: 'semi-trusted',
      identity: { userId: 'ci-bot' },
    });
  });

  it('trusts a configured peer that signed the request, and treats an unknown signer as discovered', () => {
    expect(identifySource(signedBy(trustedPeer), request, known, fresh())).toMatchObject({
      type: 'p2p',
      trustLevel: 'trusted',
      identity: { publicKey: trustedPeer.publicKey },
    });
    const stranger = createPeerKeys();
    expect(identifySource(signedBy(stranger), request, known, fresh())).toMatchObject({
      type: 'p2p-discovery',
      trustLevel: 'untrusted',
    });
  });

  it('refuses wrong tokens, unknown keys, missing and mixed credentials with ACCESS_DENIED', () => {
    expect(() => identifySource({ bearerToken: 'guess' }, request, known, fresh())).toThrow(/operator token/);
    expect(() => identifySource({ apiKey: 'nope' }, request, known, fresh())).toThrow(/API key/);
    expect(() => identifySource({}, request, known, fresh())).toThrow(
      expect.objectContaining({ code: 'ACCESS_DENIED' }),
    );
    expect(() => identifySource({ bearerToken: 'alice-token', apiKey: 'api-key-1' }, request, known, fresh())).toThrow(
      /exactly one/,
    );
  });

  it('refuses a signature over another body, method or path, and a key that is not Ed25519', () => {
    const freshness = fresh();
    const otherBody = signedBy(trustedPeer, { ...request, body: '{"message":"rm -rf"}' });
    expect(() => identifySource(otherBody, request, known, freshness)).toThrow(/does not verify/);
    const otherPath = signedBy(trustedPeer, { ...request, path: '/sessions/other/messages' });
    expect(() => identifySource(otherPath, request, known, freshness)).toThrow(/does not verify/);
    const otherMethod = signedBy(trustedPeer, { ...request, method: 'GET' });
    expect(() => identifySource(otherMethod, request, known, freshness)).toThrow(/does not verify/);
    const garbage = { peerPublicKey: 'not-a-key', peerSignature: 'x', peerTimestamp: String(NOW) };
    expect(() => identifySource(garbage, request, known, freshness)).toThrow(/does not verify/);
  });

  it('refuses a self-made key written other than as exported (text after the padding, a C1 byte, no padding), known or not', () => {
    // Node's base64 decoder skips unknown characters and stops at the padding: each spelling
    // below decodes to the signer's key, and the header's text became the peer's identity.
    const stranger = createPeerKeys();
    for (const keys of [stranger, trustedPeer]) {
      const spellings = [
        `${keys.publicKey}APPROVED-BY-alice`,
        `${keys.publicKey.slice(0, 20)}\u009b2J${keys.publicKey.slice(20)}`,
        keys.publicKey.replace(/=+$/, ''),
      ];
      for (const spelling of spellings) {
        const credentials = { ...signedBy(keys), peerPublicKey: spelling };
        expect(() => identifySource(credentials, request, known, fresh())).toThrow(
          expect.objectContaining({ code: 'ACCESS_DENIED', message: expect.stringContaining('as exported') }),
        );
      }
    }
    expect(identifySource(signedBy(stranger), request, known, fresh()).identity).toEqual({
      publicKey: stranger.publicKey,
    });
  });

  it('refuses a replayed signature, even re-encoded, and a timestamp outside the window', () => {
    const freshness = fresh();
    const credentials = signedBy(trustedPeer);
    identifySource(credentials, request, known, freshness);
    expect(() => identifySource(credentials, request, known, freshness)).toThrow(/already used/);
    const reencoded = { ...credentials, peerSignature: `${credentials.peerSignature}\n` };
    expect(() => identifySource(reencoded, request, known, freshness)).toThrow(/already used/);
    const stale = signedBy(trustedPeer, request, NOW - 61_000);
    expect(() => identifySource(stale, request, known, freshness)).toThrow(/too old/);
    const missing = { ...signedBy(trustedPeer), peerTimestamp: 'yesterday' };
    expect(() => identifySource(missing, request, known, freshness)).toThrow(/X-Peer-Timestamp/);
  });
});

describe('identifySource(...) against a flood of signed requests from self-made keys', () => {
  it('never forgets a captured signature to make room: past the guard bound new signatures are RATE_LIMITED, the captured one stays refused', () => {
    const freshness = { now: NOW, windowMs: 60_000, replays: createReplayGuard(60_000, { maxEntries: 3 }) };
    const captured = signedBy(trustedPeer);
    identifySource(captured, request, known, freshness);
    for (let index = 0; index < 2; index++) identifySource(signedBy(createPeerKeys()), request, known, freshness);
    expect(() => identifySource(signedBy(createPeerKeys()), request, known, freshness)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED' }),
    );
    expect(() => identifySource(captured, request, known, freshness)).toThrow(/already used/);
    // Once the remembered signatures have left the window, there is room again.
    const later = { ...freshness, now: NOW + 120_001 };
    expect(identifySource(signedBy(trustedPeer, request, later.now), request, known, later)).toMatchObject({
      type: 'p2p',
    });
  });
});

describe('identifySource(...) against a replay after the host clock stepped back (a fault)', () => {
  it('refuses a captured signature once it was forgotten, even when the wall clock then steps back into its window', () => {
    const replays = createReplayGuard(60_000);
    const captured = signedBy(trustedPeer);
    identifySource(captured, request, known, { now: NOW, windowMs: 60_000, replays });
    // Two windows later the guard has forgotten it (a fresh request makes it tidy up).
    const later = NOW + 121_000;
    identifySource(signedBy(trustedPeer, request, later), request, known, { now: later, windowMs: 60_000, replays });
    // The clock steps back: the captured timestamp is within the window of the host's clock again.
    expect(() => identifySource(captured, request, known, { now: NOW, windowMs: 60_000, replays })).toThrow(
      expect.objectContaining({ code: 'ACCESS_DENIED' }),
    );
  });
});

describe('identifySource(...) against a peer that signs ahead of the host clock, then replays after a restart', () => {
  it(`refuses a timestamp more than PEER_FUTURE_SKEW_MS (${PEER_FUTURE_SKEW_MS} ms) ahead, and accepts one that close`, () => {
    const ahead = signedBy(trustedPeer, request, NOW + PEER_FUTURE_SKEW_MS + 1);
    expect(() => identifySource(ahead, request, known, fresh())).toThrow(/from the future/);
    const fourMinutesAhead = signedBy(trustedPeer, request, NOW + 240_000);
    expect(() => identifySource(fourMinutesAhead, request, known, fresh())).toThrow(/from the future/);
    const close = signedBy(trustedPeer, request, NOW + PEER_FUTURE_SKEW_MS);
    expect(identifySource(close, request, known, fresh())).toMatchObject({ type: 'p2p' });
  });

  it('refuses on the new process a signature dated ahead and used before the restart, and accepts fresh ones after the skew', () => {
    const before = { now: NOW, windowMs: 60_000, replays: createReplayGuard(60_000, { startedAt: NOW - 60_000 }) };
    const captured = signedBy(trustedPeer, request, NOW + PEER_FUTURE_SKEW_MS);
    identifySource(captured, request, known, before);
    // The host restarts a moment later: a new guard, its memory empty.
    const restartedAt = NOW + 1;
    const replays = createReplayGuard(60_000, { startedAt: restartedAt });
    for (const now of [restartedAt, NOW + PEER_FUTURE_SKEW_MS, NOW + 30_000]) {
      expect(() => identifySource(captured, request, known, { now, windowMs: 60_000, replays }), String(now)).toThrow(
        /older than the host accepts/,
      );
    }
    const signedAnew = NOW + 30_000;
    const fresh = signedBy(trustedPeer, request, signedAnew);
    expect(identifySource(fresh, request, known, { now: signedAnew, windowMs: 60_000, replays })).toMatchObject({
      type: 'p2p',
    });
  });

  it('keeps a signature dated ahead until its timestamp is a window old, even on a guard told nothing else', () => {
    const replays = createReplayGuard(60_000);
    const captured = signedBy(trustedPeer, request, NOW + PEER_FUTURE_SKEW_MS);
    identifySource(captured, request, known, { now: NOW, windowMs: 60_000, replays });
    const edge = NOW + PEER_FUTURE_SKEW_MS + 60_000;
    identifySource(signedBy(trustedPeer, request, edge), request, known, { now: edge, windowMs: 60_000, replays });
    expect(() => identifySource(captured, request, known, { now: edge, windowMs: 60_000, replays })).toThrow(
      /already used/,
    );
    expect(replays.remember(Buffer.from('x'), NOW + 10 * 60_000, NOW)).toBe('future');
  });
});
