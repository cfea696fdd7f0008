import { describe, expect, it } from 'vitest';
import { WarmPool } from './pool.js';

/** Items are numbers; "making" one is a resolved promise, so the pool's own logic is what runs. */
function numberPool(size: number, options: { failAfter?: number } = {}) {
  let made = 0;
  const discarded: number[] = [];
  const dead = new Set<number>();
  const pool = new WarmPool<number>({
    size,
    make: async () => {
      made += 1;
      if (options.failAfter !== undefined && made > options.failAfter) throw new Error(`start ${made} failed`);
      return made;
    },
    discard: async (item) => {
      discarded.push(item);
    },
    isAlive: (item) => !dead.has(item),
  });
  return { pool, discarded, dead, made: () => made };
}

describe('WarmPool', () => {
  it('warmUp() fills the pool; take() hands out the oldest item and refills in the background', async () => {
    const { pool, made } = numberPool(2);
    await pool.warmUp();
    expect(pool.available).toBe(2);
    expect(pool.take()).toBe(1);
    await pool.warmUp();
    expect(pool.available).toBe(2);
    expect(made()).toBe(3);
  });

  it('take() discards items that died while waiting', async () => {
    const { pool, dead, discarded } = numberPool(2);
    await pool.warmUp();
    dead.add(1);
    expect(pool.take()).toBe(2);
    expect(discarded).toEqual([1]);
  });

  it('a failed start stops refilling until the next hand-out, and warmUp() reports the error', async () => {
    const { pool, made } = numberPool(3, { failAfter: 1 });
    await expect(pool.warmUp()).rejects.toThrow(/failed/);
    const attempts = made();
    await Promise.resolve();
    expect(made()).toBe(attempts);
  });

  it('close() discards ready items and anything still starting, and stops refilling', async () => {
    const { pool, discarded, made } = numberPool(2);
    await pool.warmUp();
    pool.take();
    await pool.close();
    expect(discarded.sort()).toEqual([2, 3]);
    expect(pool.take()).toBeUndefined();
    expect(made()).toBe(3);
  });
});
