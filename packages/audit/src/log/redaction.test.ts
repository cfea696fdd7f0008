import { createHmac } from 'node:crypto';
import { REDACTED, redactSecrets } from '@warden/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmacRedactor, hmacRedact } from './redaction.ts';

const key = new Uint8Array(32).fill(7);
const hmacOf = (text: string, secret: Uint8Array = key): string =>
  `hmac-sha256:${createHmac('sha256', secret).update(text).digest('base64url')}`;

// Names and values core treats as secret, mixed into random objects so the generators hit them.
const secretishKey = fc.constantFrom(
  'apiKey',
  'password',
  'githubToken',
  'secretName',
  'tokenCount',
  'auth',
  '__proto__',
  'toJSON',
);
// What JSON.stringify would call and write unredacted, were it kept.
const leak = (): unknown => ({ apiKey: 'sk-leak', note: 'Bearer abcdefghijk' });
const leakyFunction = Object.assign(() => 1, { toJSON: leak });
const secretishValue = fc.constantFrom('ghp_abcdefghijklmnopqrstuvwxyz', 'Bearer abcdefghijk', REDACTED, 'sk-short');
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }),
    secretishValue,
    fc.constantFrom(undefined, true, null, 12.5, Number.NaN, -0, Number.POSITIVE_INFINITY),
    fc.constantFrom(leak, leakyFunction),
    fc.string({ minLength: 60, maxLength: 80 }).map((text) => `${text} ghp_abcdefghijklmnopqrstuvwxyz`),
    fc.sparseArray(fc.string(), { maxLength: 3 }),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(secretishKey, fc.string()), tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('redaction', () => {
  it('createHmacRedactor(key)(value) equals the general path (core copy, then HMACs) for any value', () => {
    const redact = createHmacRedactor(key);
    fc.assert(
      fc.property(value, (input) => {
        expect(redact(input)).toBe(JSON.stringify(hmacRedact(input, key)));
      }),
      { numRuns: 300 },
    );
  });

  it('with every HMAC put back to [REDACTED], the output is exactly what core would redact', () => {
    const redact = createHmacRedactor(key);
    fc.assert(
      fc.property(value, (input) => {
        const text = redact(input) ?? '';
        expect(text.replace(/"hmac-sha256:[A-Za-z0-9_-]{43}"/g, JSON.stringify(REDACTED))).toBe(
          JSON.stringify(redactSecrets(input)) ?? '',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('an own toJSON (or a function with one) never writes what it returns: functions are left out, as core leaves them', () => {
    const redact = createHmacRedactor(key);
    const written = redact({
      type: 'access_granted',
      details: { request: { url: '/x', toJSON: leak }, handlers: [leakyFunction], apiKey: leak },
    });
    expect(written).toBe('{"type":"access_granted","details":{"request":{"url":"/x"},"handlers":[null]}}');
  });

  it('the HMAC is RFC 2104 HMAC-SHA-256 for any text and any key length (node:crypto as the reference)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 600 }),
        (secret, text) => {
          expect(createHmacRedactor(secret)({ password: text })).toBe(
            JSON.stringify({ password: hmacOf(text, secret) }),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes the general path for what is not a plain object: errors, class instances, cycles, deep nesting', () => {
    const redact = createHmacRedactor(key);
    const cyclic: Record<string, unknown> = { token: 'abc' };
    cyclic.self = cyclic;
    let deep: unknown = { password: 'deep' };
    for (let level = 0; level < 40; level += 1) deep = { next: deep };
    const withCode = { run: () => 'called', nested: [() => 1], token: () => 2 };
    for (const input of [new Error('Bearer abcdefghijk'), { when: new Date(0), token: 't' }, cyclic, deep, withCode]) {
      expect(redact(input)).toBe(JSON.stringify(hmacRedact(input, key)));
    }
    expect(JSON.parse(redact(cyclic) ?? '')).toEqual({ token: hmacOf('abc'), self: '[Circular]' });
    // What JSON cannot hold is refused the same way on both paths (write() turns it into INVALID_INPUT).
    for (const input of [{ count: 10n }, { apiKey: 10n }]) {
      expect(() => redact(input)).toThrow(TypeError);
      expect(() => JSON.stringify(hmacRedact(input, key))).toThrow(TypeError);
    }
  });

  it('a caller who floods the log with unique strings (filling, freezing and refilling the memo) never gets a secret written in clear', () => {
    const redact = createHmacRedactor(key);
    for (let index = 0; index < 20_000; index += 1) {
      const input = {
        path: `/workspace/file-${index}`,
        tool: `tool-${index % 7}`,
        note: index % 997 === 0 ? 'sk-abcdefghijklmnopqrstuv' : 'ok',
      };
      expect(redact(input)).toBe(JSON.stringify(hmacRedact(input, key)));
    }
  });

  it('an attacker who sends a "__proto__" key pollutes no prototype', () => {
    const redact = createHmacRedactor(key);
    const input = JSON.parse('{"__proto__":{"polluted":true,"password":"p"},"token":"x"}');
    const output = redact(input) ?? '';
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(output).toBe(JSON.stringify(hmacRedact(input, key)));
    expect(output).toMatch(/^\{"__proto__":\{"polluted":true,"password":"hmac-sha256:[^"]+"\},"token":"hmac-sha256:/);
  });
});
