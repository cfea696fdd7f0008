import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSecurityEventEmitter,
  emitSafely,
  REDACTED,
  redactSecrets,
  type SecurityEvent,
  type SecurityEventEmitter,
} from './events.js';

const GITHUB_TOKEN = `ghp_${'a1B2'.repeat(9)}`;

describe('redactSecrets(value)', () => {
  it('redacts secret-holding keys: credential, apiKey, password, privateKey, githubToken, token, secretValue', () => {
    const redacted = redactSecrets({
      credential: 'c-123',
      apiKey: 'k-123',
      password: 'hunter2',
      privateKey: 'pk',
      githubToken: 'plain',
      token: 'tok',
      secretValue: 's3',
      passwordConfirmation: 'hunter2',
      nested: { deeper: [{ token: 42 }] },
    });
    expect(redacted).toEqual({
      credential: REDACTED,
      apiKey: REDACTED,
      password: REDACTED,
      privateKey: REDACTED,
      githubToken: REDACTED,
      token: REDACTED,
      secretValue: REDACTED,
      passwordConfirmation: REDACTED,
      nested: { deeper: [{ token: REDACTED }] },
    });
  });

  it('keeps identifier and metadata keys: credentialId, tokenIds, secretName, tokenCount, private_key_id, TOKEN_ID', () => {
    const identifiers = {
      credentialId: 'cred_123',
      tokenIds: ['t1', 't2'],
      accessKeyID: 'AKIDEXAMPLE',
      secretName: 'WARDEN_JIT_1',
      tokenCount: 3,
      credentialExpiresAt: '2026-01-01T00:00:00.000Z',
      tokenIssuedAt: 1_767_225_600_000,
      private_key_id: 'kid-1',
      TOKEN_ID: 'T-1',
      'api-key-name': 'deploy',
      secret_issued_at: 5,
    };
    expect(redactSecrets(identifiers)).toEqual(identifiers);
  });

  it('still redacts near-misses of the identifier rule: idToken, tokenid, credentialIdentifier, refresh_token', () => {
    expect(redactSecrets({ idToken: 'a', tokenid: 'b', credentialIdentifier: 'c', refresh_token: 'd' })).toEqual({
      idToken: REDACTED,
      tokenid: REDACTED,
      credentialIdentifier: REDACTED,
      refresh_token: REDACTED,
    });
  });

  it('redacts a secret-looking value even under an identifier key (credentialId: "ghp_…")', () => {
    expect(redactSecrets({ credentialId: GITHUB_TOKEN, tokenIds: ['t1', GITHUB_TOKEN], id: GITHUB_TOKEN })).toEqual({
      credentialId: REDACTED,
      tokenIds: ['t1', REDACTED],
      id: REDACTED,
    });
  });

  it('property: a string is redacted exactly when one of the documented secret shapes occurs in it', () => {
    // The shapes of the doc comment, one pattern each, tested one by one as written.
    const shapes = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bgh[pousr]_[A-Za-z0-9]{20,}/,
      /\bgithub_pat_[A-Za-z0-9_]{20,}/,
      /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
      /\bAKIA[0-9A-Z]{16}\b/,
      /\bsk-[A-Za-z0-9_-]{20,}/,
      /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/i,
    ];
    const near = [
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN PRIVATE KEY----',
      'ghp_',
      'gho_',
      'github_pat_',
      'xoxb-',
      'xoxz-',
      'AKIA',
      'sk-',
      'Bearer ',
      'bEaReR\t',
      'x',
    ];
    const piece = fc.oneof(
      fc.constantFrom(...near),
      fc.stringMatching(/^[A-Za-z0-9_\-. ]{0,24}$/),
      fc.stringMatching(/^[A-Z0-9]{12,20}$/),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 5 }), (pieces) => {
        const text = pieces.join('');
        const secret = shapes.some((shape) => shape.test(text));
        expect(redactSecrets(text)).toBe(secret ? REDACTED : text);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves functions out of the copy: an own toJSON cannot hand JSON.stringify a secret after redaction', async () => {
    const leak = () => ({ authorization: `Bearer ${'a'.repeat(20)}`, apiKey: 'sk-live' });
    const sneaky = Object.assign(() => 'x', { toJSON: leak });
    const copy = redactSecrets({
      request: { url: '/x', toJSON: leak },
      handlers: [sneaky, 1],
      token: leak,
      callback: leak,
    });
    expect(copy).toEqual({ request: { url: '/x' }, handlers: [undefined, 1] });
    const written = JSON.stringify(copy);
    expect(written).not.toContain('sk-live');
    expect(written).not.toContain('Bearer');
  });

  it('keeps booleans and nulls under secret keys, and names that only contain "pass" (passive, passthrough)', () => {
    const value = { hasToken: true, password: null, passive: 'yes', passthrough: 'on' };
    expect(redactSecrets(value)).toEqual(value);
  });

  it('property: a key containing password, token or secret that does not end in an identifier word is redacted', () => {
    const namePart = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'),
      maxLength: 8,
    });
    const secretWord = fc.mixedCase(fc.constantFrom('password', 'token', 'secret'));
    const identifierEnding = /(ids?|names?|count|expiresat|issuedat)$/;
    const key = fc
      .tuple(namePart, secretWord, namePart)
      .map((parts) => parts.join(''))
      .filter((name) => !identifierEnding.test(name.toLowerCase().replace(/[^a-z0-9]/g, '')));
    const value = fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(key, value, (name, field) => {
        const redacted = redactSecrets({ [name]: field }) as Record<string, unknown>;
        expect(redacted[name]).toBe(REDACTED);
      }),
    );
  });

  it('property: a camelCase or snake_case key ending in an identifier word keeps a plain value', () => {
    const secretWord = fc.constantFrom('Password', 'Token', 'Secret', 'Credential', 'ApiKey');
    const ending = fc.constantFrom('Id', 'Ids', 'Name', 'Count', 'ExpiresAt', 'IssuedAt');
    const key = fc
      .tuple(fc.constantFrom('github', 'jit', 'user'), secretWord, ending, fc.boolean())
      .map(([prefix, word, suffix, snake]) =>
        snake
          ? `${prefix}_${word}_${suffix}`.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
          : `${prefix}${word}${suffix}`,
      );
    const plain = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), maxLength: 20 });
    fc.assert(
      fc.property(key, plain, (name, field) => {
        expect(redactSecrets({ [name]: field })).toEqual({ [name]: field });
      }),
    );
  });
});

describe('createSecurityEventEmitter()', () => {
  it('emit(event) redacts details and accepts capability_delegated and capability_revoked', () => {
    const seen: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter({ now: () => 7 });
    emitter.on('security', (event) => seen.push(event));
    emitter.emit({ type: 'capability_delegated', details: { capabilityId: 'cap-1', from: 'a', to: 'b', token: 't' } });
    emitter.emit({ type: 'capability_revoked', details: { capabilityId: 'cap-1', revoked: ['cap-1'] } });
    expect(seen).toEqual([
      {
        type: 'capability_delegated',
        timestamp: 7,
        details: { capabilityId: 'cap-1', from: 'a', to: 'b', token: REDACTED },
      },
      { type: 'capability_revoked', timestamp: 7, details: { capabilityId: 'cap-1', revoked: ['cap-1'] } },
    ]);
  });
});

describe('emitSafely(events, event, onError)', () => {
  const throwing = (error: Error): SecurityEventEmitter => ({
    on: () => () => {},
    off: () => {},
    emit: () => {
      throw error;
    },
  });

  it('emits through the emitter, and does nothing without one', () => {
    const events = createSecurityEventEmitter();
    const seen: string[] = [];
    events.on('security', (event) => seen.push(event.type));
    emitSafely(events, { type: 'sandbox_destroyed' });
    emitSafely(undefined, { type: 'sandbox_destroyed' });
    expect(seen).toEqual(['sandbox_destroyed']);
  });

  it('never throws for an emitter that throws: the error goes to onError, and a throwing onError is ignored too', () => {
    const broken = new Error('audit pipe closed');
    const reported: unknown[] = [];
    expect(() => emitSafely(throwing(broken), { type: 'sandbox_destroyed' })).not.toThrow();
    emitSafely(throwing(broken), { type: 'sandbox_destroyed' }, (error) => reported.push(error));
    expect(reported).toEqual([broken]);
    expect(() =>
      emitSafely(throwing(broken), { type: 'sandbox_destroyed' }, () => {
        throw new Error('reporter down');
      }),
    ).not.toThrow();
  });
});
