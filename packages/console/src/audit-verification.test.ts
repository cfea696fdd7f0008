import { describe, expect, it } from 'vitest';
import { oneVerificationAtATime } from './audit-verification.js';

/** A verification the test finishes by hand, numbered in the order they started. */
function controlledVerify() {
  const started: { finish: (value: number) => void; fail: (error: Error) => void }[] = [];
  const verify = () =>
    new Promise<number>((resolve, reject) => {
      const number = started.length + 1;
      started.push({ finish: () => resolve(number), fail: reject });
    });
  return { verify, started };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('oneVerificationAtATime(verify)', () => {
  it('runs one verification at a time; callers that arrive meanwhile share the next, which starts after they asked', async () => {
    const { verify, started } = controlledVerify();
    const once = oneVerificationAtATime(verify);
    const first = once();
    const waiting = Array.from({ length: 50 }, () => once());
    await flush();
    expect(started).toHaveLength(1);
    started[0]?.finish(0);
    expect(await first).toBe(1);
    await flush();
    expect(started).toHaveLength(2);
    started[1]?.finish(0);
    expect(await Promise.all(waiting)).toEqual(Array(50).fill(2));
    const later = once();
    await flush();
    expect(started).toHaveLength(3);
    started[2]?.finish(0);
    expect(await later).toBe(3);
  });

  it('a failed verification fails its callers only; the next still runs', async () => {
    const { verify, started } = controlledVerify();
    const once = oneVerificationAtATime(verify);
    const first = once();
    const second = once();
    started[0]?.fail(new Error('storage gone'));
    await expect(first).rejects.toThrow('storage gone');
    await flush();
    started[1]?.finish(0);
    expect(await second).toBe(2);
  });
});
