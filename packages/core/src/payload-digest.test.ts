import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { canonicalJson, computePayloadDigest } from './payload-digest.js';

/** What a payload means as JSON data: undefined members dropped, -0 is 0, any plain prototype. */
function meaning(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (Array.isArray(value)) return value.map(meaning);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    return Object.fromEntries(entries.map(([key, member]) => [key, meaning(member)]));
  }
  return value;
}

/** Plain JSON data, judged independently of the encoder. */
function isPlainData(value: unknown, depth = 0): boolean {
  if (depth > 50) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length) return false;
    return [...value].every((item) => item !== undefined && isPlainData(item, depth + 1));
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  return Object.values(value).every((member) => member === undefined || isPlainData(member, depth + 1));
}

function digestOrUndefined(value: unknown): string | undefined {
  try {
    return computePayloadDigest(value);
  } catch (error) {
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect((error as InvalidInputError).code).toBe('INVALID_INPUT');
    return undefined;
  }
}

const anyValue = fc.anything({
  maxDepth: 3,
  maxKeys: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

describe('computePayloadDigest(payload) against a peer who gets one payload approved and runs another', () => {
  it.each([
    ['a Date', { at: new Date(0) }],
    ['a URL', { url: new URL('https://example.com/a') }],
    ['a Map', { map: new Map([['a', 1]]) }],
    ['a Set', { set: new Set([1]) }],
    ['a RegExp', { pattern: /a/ }],
    ['a function', { run: () => 1 }],
    ['a symbol', { symbol: Symbol('s') }],
    ['a bigint', { big: 1n }],
    ['a class instance', { value: new (class Point {})() }],
    ['undefined in an array', { list: [1, undefined] }],
    ['a hole in an array', { list: sparseArray() }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['a boxed string', { s: new String('x') }],
    ['a typed array', { bytes: new Uint8Array([1]) }],
    ['a symbol key', { [Symbol('k')]: 1 }],
    ['a getter', Object.defineProperty({}, 'x', { enumerable: true, get: () => 1 })],
    ['a top-level undefined', undefined],
  ])('refuses %s with INVALID_INPUT', (_what, payload) => {
    expect(() => computePayloadDigest(payload)).toThrow(InvalidInputError);
  });

  it('refuses a cycle with INVALID_INPUT', () => {
    const payload: Record<string, unknown> = {};
    payload.self = payload;
    expect(() => canonicalJson(payload)).toThrow(InvalidInputError);
  });

  it('gives two URLs (or two Dates) no shared digest: it refuses both', () => {
    expect(digestOrUndefined({ url: new URL('https://a.example') })).toBeUndefined();
    expect(digestOrUndefined({ at: new Date(1) })).toBeUndefined();
  });

  it('digests plain data, whatever the key order and prototype', () => {
    const plain = computePayloadDigest({ b: [1, 'x', null], a: { c: true } });
    expect(computePayloadDigest({ a: { c: true }, b: [1, 'x', null] })).toBe(plain);
    const bare = Object.assign(Object.create(null), { a: { c: true }, b: [1, 'x', null] });
    expect(computePayloadDigest(bare)).toBe(plain);
  });

  it('property: digests exactly the plain JSON data, and refuses everything else with INVALID_INPUT', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(digestOrUndefined(value) !== undefined).toBe(isPlainData(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: two payloads share a digest exactly when they have the same canonical meaning', () => {
    fc.assert(
      fc.property(anyValue, anyValue, (first, second) => {
        const firstDigest = digestOrUndefined(first);
        const secondDigest = digestOrUndefined(second);
        if (firstDigest === undefined || secondDigest === undefined) return;
        expect(firstDigest === secondDigest).toBe(isDeepStrictEqual(meaning(first), meaning(second)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: a payload and a copy rebuilt with shuffled keys share a digest; any one changed leaf does not', () => {
    const data = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(data, fc.string(), (value, replacement) => {
        const copy = JSON.parse(JSON.stringify(value));
        expect(computePayloadDigest(reverseKeys(copy))).toBe(computePayloadDigest(value));
        const changed = replaceFirstString(copy, replacement);
        if (changed.replaced && changed.previous !== replacement) {
          expect(computePayloadDigest(changed.value)).not.toBe(computePayloadDigest(value));
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, member]) => [key, reverseKeys(member)]),
    );
  }
  return value;
}

function replaceFirstString(
  value: unknown,
  replacement: string,
): { value: unknown; replaced: boolean; previous?: string } {
  if (typeof value === 'string') return { value: replacement, replaced: true, previous: value };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const inner = replaceFirstString(value[index], replacement);
      if (inner.replaced) {
        const copy = [...value];
        copy[index] = inner.value;
        return { ...inner, value: copy };
      }
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      const inner = replaceFirstString(member, replacement);
      if (inner.replaced) return { ...inner, value: { ...value, [key]: inner.value } };
    }
  }
  return { value, replaced: false };
}

function sparseArray(): unknown[] {
  const array: unknown[] = [1];
  array[2] = 2;
  return array;
}

/** The error `computePayloadDigest` throws for `payload`, or undefined when it digests it. */
function refusal(payload: unknown): unknown {
  try {
    computePayloadDigest(payload);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** An array with a hole at index 1 and one extra member, so its key count matches a plain array's. */
function holeHiddenByExtraMember(): unknown[] {
  const array = sparseArray();
  Object.assign(array, { extra: 1 });
  return array;
}

describe('computePayloadDigest(payload) says what it refused', () => {
  class Tagged extends Array<number> {}
  const anonymous = new (class {})();
  const throwingConstructor = Object.create({
    get constructor() {
      throw new Error('no constructor for you');
    },
  });
  it.each<[string, unknown, string]>([
    ['NaN', Number.NaN, 'a non-finite number'],
    ['a function', () => 1, 'a function'],
    ['a bigint', 1n, 'a bigint'],
    ['an array subclass', Tagged.from([1]), 'an array subclass'],
    ['an array with an extra member', Object.assign([1], { extra: 2 }), 'an array with holes or extra members'],
    ['an array with a hole', sparseArray(), 'an array with holes or extra members'],
    ['a hole hidden by an extra member', holeHiddenByExtraMember(), 'an array with holes'],
    ['an array getter', Object.defineProperty([1], 0, { enumerable: true, get: () => 1 }), 'an accessor property'],
    ['undefined in an array', [1, undefined], 'undefined in an array'],
    ['a Date', new Date(0), 'an instance of Date'],
    ['an instance of an anonymous class', anonymous, 'an instance of a class'],
    ['an object whose constructor getter throws', throwingConstructor, 'an instance of a class'],
    ['an object whose constructor has no name', Object.create({ constructor: { name: 42 } }), 'an instance of a class'],
    ['a symbol key', { [Symbol('k')]: 1 }, 'a symbol key'],
    ['a hidden property', Object.defineProperty({}, 'x', { value: 1, enumerable: false }), 'a non-enumerable property'],
    ['an object getter', Object.defineProperty({}, 'x', { enumerable: true, get: () => 1 }), 'an accessor property'],
  ])('%s: INVALID_INPUT on the path "payload", naming what it contains', (_label, payload, what) => {
    const error = refusal(payload);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: 'payload', message: `contains ${what}` }],
    });
    expect((error as Error).message).toContain(`it contains ${what};`);
  });

  it('nesting deeper than 512 (arguments from an untrusted client) is INVALID_INPUT, never a stack overflow', () => {
    const nest = (depth: number): unknown => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { inner: value };
      return value;
    };
    expect(computePayloadDigest(nest(512))).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const depth of [513, 100_000]) {
      expect(() => computePayloadDigest(nest(depth))).toThrow(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          issues: [expect.objectContaining({ message: 'contains objects or arrays nested more than 512 deep' })],
        }),
      );
    }
  });

  it('a cycle is refused as a cycle, also deep inside an array', () => {
    const payload: Record<string, unknown> = {};
    payload.list = [1, { back: payload }];
    expect(refusal(payload)).toMatchObject({ issues: [{ path: 'payload', message: 'contains a cycle' }] });
  });

  it('the same object reached twice (not a cycle) is digested like two copies of it', () => {
    const shared = { a: 1, b: [true] };
    expect(computePayloadDigest({ x: shared, y: shared })).toBe(
      computePayloadDigest({ x: { a: 1, b: [true] }, y: { a: 1, b: [true] } }),
    );
    expect(computePayloadDigest([shared, shared])).toBe(
      computePayloadDigest([
        { a: 1, b: [true] },
        { a: 1, b: [true] },
      ]),
    );
  });
});
