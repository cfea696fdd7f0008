import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from './messages.js';

const nest = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { inner: value };
  return value;
};

describe('nestedDeeperThan(value, limit)', () => {
  it('counts objects and arrays, not the scalars inside them, and stops at the limit', () => {
    expect(nestedDeeperThan('leaf', 0)).toBe(false);
    expect(nestedDeeperThan(nest(3), 3)).toBe(false);
    expect(nestedDeeperThan(nest(4), 3)).toBe(true);
    expect(nestedDeeperThan({ wide: [1, 2, { a: 'x' }], other: {} }, 3)).toBe(false);
    expect(nestedDeeperThan({ wide: [1, 2, { a: [] }], other: {} }, 3)).toBe(true);
  });

  it('walks a million levels (what JSON.parse accepts) without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect(nestedDeeperThan(deep, 256)).toBe(true);
  });

  it('ends on a cycle (an in-process caller), as on any nesting past the limit', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(nestedDeeperThan(cycle, 256)).toBe(true);
  });
});
