import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computePayloadDigest } from './payload-digest.js';

describe('canonicalJson(value)', () => {
  it('sorts keys at every depth, drops undefined members and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(-0.5)).toBe('-0.5');
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}');
  });

  it.each([
    ['a function', { run: () => 1 }, 'a function'],
    ['a symbol', { s: Symbol('s') }, 'a symbol'],
    ['a bigint', { n: 1n }, 'a bigint'],
    ['NaN', { n: Number.NaN }, 'a non-finite number'],
    ['Infinity', [Number.POSITIVE_INFINITY], 'a non-finite number'],
    ['undefined at the top', undefined, 'a undefined'],
  ])('refuses %s with INVALID_INPUT naming it', (_, value, what) => {
    expect(() => canonicalJson(value)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: `Payload cannot be digested: it contains ${what}` }),
    );
  });

  it('refuses a cycle with INVALID_INPUT', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const list: unknown[] = [];
    list.push(list);
    expect(() => canonicalJson(list)).toThrow(expect.objectContaining({ message: expect.stringContaining('a cycle') }));
  });
});

describe('computePayloadDigest(payload)', () => {
  it('is sha256 over the canonical JSON, the same for the same content in any key order', () => {
    const expected = `sha256:${createHash('sha256').update('{"a":1,"b":[2]}').digest('hex')}`;
    expect(computePayloadDigest({ b: [2], a: 1 })).toBe(expected);
    expect(computePayloadDigest({ a: 1, b: [2] })).toBe(expected);
    expect(computePayloadDigest({ a: 1, b: [2], c: 3 })).not.toBe(expected);
    expect(computePayloadDigest('1')).not.toBe(computePayloadDigest(1));
  });
});
