import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditSignatureError } from '../errors.ts';
import { formatCheckpoint, parseCheckpoint } from './checkpoint.ts';
import { cosignatureMessage, cosignCheckpoint, decodeCosignature, verifyCosignature } from './cosignature.ts';
import {
  exampleCosignatureMessage,
  exampleCosignedCheckpoint,
  exampleSignedNote,
  exampleVerifierKey,
} from './fixtures.ts';
import {
  ED25519_COSIGNATURE_TYPE,
  formatVerifierKey,
  parseVerifierKey,
  rawPublicKey,
  toEd25519PrivateKey,
} from './keys.ts';
import { parseNote, signNote, verifyNote } from './signed-note.ts';

const keyPair = () => generateKeyPairSync('ed25519');

describe('C2SP signed-note (spec example)', () => {
  it('parses the example verifier key, recomputing its key ID 530d903a', () => {
    const key = parseVerifierKey(exampleVerifierKey);
    expect(key.name).toBe('example.com/foo');
    expect(Buffer.from(key.keyId).toString('hex')).toBe('530d903a');
    expect(formatVerifierKey(key.name, key.publicKey)).toBe(exampleVerifierKey);
  });

  it('verifies the example note with the example key, and refuses it after one changed character', () => {
    const key = parseVerifierKey(exampleVerifierKey);
    expect(verifyNote(exampleSignedNote, key.name, key.publicKey)).toBe('This is an example message.\n');
    const edited = exampleSignedNote.replace('example message', 'example massage');
    expect(() => verifyNote(edited, key.name, key.publicKey)).toThrow(AuditSignatureError);
  });

  it('a note we sign has the same shape and verifies; another key (a forger) is AUDIT_SIGNATURE_INVALID', () => {
    const log = keyPair();
    const forger = keyPair();
    const note = signNote('hello\n', 'warden.test/log', log.privateKey, log.publicKey);
    expect(note).toMatch(/^hello\n\n\u2014 warden\.test\/log [A-Za-z0-9+/]+=*\n$/);
    expect(verifyNote(note, 'warden.test/log', log.publicKey)).toBe('hello\n');
    const forged = signNote('hello\n', 'warden.test/log', forger.privateKey, forger.publicKey);
    expect(() => verifyNote(forged, 'warden.test/log', log.publicKey)).toThrow(
      expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }),
    );
  });

  it('accepts a 32-byte seed and refuses a non-Ed25519 key with INVALID_INPUT naming the setting', () => {
    expect(toEd25519PrivateKey(new Uint8Array(32).fill(7), 'signingKey').asymmetricKeyType).toBe('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => toEd25519PrivateKey(rsa.privateKey, 'signingKey')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('C2SP tlog-checkpoint (spec example)', () => {
  it('parses the example checkpoint and formats it back byte for byte', () => {
    const { text, signatures } = parseNote(exampleCosignedCheckpoint);
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(formatCheckpoint(checkpoint)).toBe(text);
    expect(signatures.map((signature) => [signature.name, signature.signature.length])).toEqual([
      ['example.com/behind-the-sofa', 64],
      ['witness.example.com/w1', 72],
    ]);
  });

  it('refuses sizes with leading zeroes, a short root hash and empty extension lines', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    for (const text of [`o\n012\n${root}\n`, 'o\n12\nAAAA\n', `o\n12\n${root}\n\n`, `\n1\n${root}\n`]) {
      expect(() => parseCheckpoint(text)).toThrow(expect.objectContaining({ code: 'AUDIT_LOG_CORRUPTED' }));
    }
  });
});

describe('C2SP tlog-cosignature', () => {
  it('decodes the example cosignature: timestamp 1679315147, the one of the spec signed message', () => {
    const witness = parseNote(exampleCosignedCheckpoint).signatures[1];
    expect(witness).toBeDefined();
    if (!witness) return;
    expect(decodeCosignature(witness).timestamp).toBe(1679315147);
    const { text } = parseNote(exampleCosignedCheckpoint);
    expect(cosignatureMessage(text, 1679315147)).toBe(exampleCosignatureMessage);
  });

  it('a cosignature we make verifies; one by another witness key does not', () => {
    const log = keyPair();
    const witness = keyPair();
    const other = keyPair();
    const text = formatCheckpoint({ origin: 'warden.test/log', size: 3, rootHash: new Uint8Array(32), extensions: [] });
    const note = signNote(text, 'warden.test/log', log.privateKey, log.publicKey);
    const cosigned = `${note}${cosignCheckpoint(text, 'w.test/1', witness.privateKey, witness.publicKey, 1700000000)}`;
    expect(verifyCosignature(cosigned, 'w.test/1', witness.publicKey)).toBe(1700000000);
    expect(verifyNote(cosigned, 'warden.test/log', log.publicKey)).toBe(text);
    expect(() => verifyCosignature(cosigned, 'w.test/1', other.publicKey)).toThrow(AuditSignatureError);
    const vkey = formatVerifierKey('w.test/1', witness.publicKey, ED25519_COSIGNATURE_TYPE);
    expect(rawPublicKey(parseVerifierKey(vkey).publicKey)).toEqual(rawPublicKey(witness.publicKey));
  });
});
