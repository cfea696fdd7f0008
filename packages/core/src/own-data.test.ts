import { describe, expect, it } from 'vitest';
import { ownDataCopy } from './own-data.js';

describe('ownDataCopy(value)', () => {
  it('copies plain objects into null-prototype objects of their own enumerable keys, at every depth', () => {
    const inherited = Object.assign(Object.create({ capabilities: ['*'] }) as object, { own: 1 });
    const copy = ownDataCopy({ layer: inherited, list: [{ a: 1 }] }) as unknown as Record<string, never>;
    // An object whose prototype is not Object.prototype is left for the parser to refuse.
    expect(copy.layer).toBe(inherited);
    const plain = ownDataCopy({ nested: { a: 1 } });
    expect(Object.getPrototypeOf(plain)).toBeNull();
    expect(Object.getPrototypeOf(plain.nested)).toBeNull();
    expect(plain.nested).toEqual({ a: 1 });
  });

  it('turns an array hole into undefined instead of reading the prototype', () => {
    const prototype = Array.prototype as unknown as Record<number, unknown>;
    prototype[1] = 'from the prototype';
    try {
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      const copy = ownDataCopy(['a', , 'c']);
      expect(Object.hasOwn(copy, 1)).toBe(true);
      expect(copy[1]).toBeUndefined();
    } finally {
      delete prototype[1];
    }
  });

  it('keeps a "__proto__" key as an ordinary key, runs each getter once and keeps cycles', () => {
    const parsed = ownDataCopy(JSON.parse('{"__proto__":{"admin":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    let reads = 0;
    const copy = ownDataCopy({
      get flag() {
        reads += 1;
        return reads === 1;
      },
    });
    expect([copy.flag, copy.flag, reads]).toEqual([true, true, 1]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cyclicCopy = ownDataCopy(cyclic);
    expect(cyclicCopy.self).toBe(cyclicCopy);
  });

  it('refuses nesting deeper than 64 with INVALID_INPUT', () => {
    let deep: unknown = 'leaf';
    for (let depth = 0; depth < 65; depth++) deep = [deep];
    expect(() => ownDataCopy(deep)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    let shallow: unknown = 'leaf';
    for (let depth = 0; depth < 64; depth++) shallow = [shallow];
    expect(ownDataCopy(shallow)).toEqual(shallow);
  });
});
