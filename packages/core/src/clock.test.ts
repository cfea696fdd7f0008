import { afterEach, describe, expect, it, vi } from 'vitest';
import { monotonicClock, systemClock } from './clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('monotonicClock', () => {
  it('does not follow a wall clock stepped back an hour: its readings never go back', () => {
    const before = monotonicClock();
    vi.spyOn(Date, 'now').mockReturnValue(systemClock() - 3_600_000);
    const after = monotonicClock();
    expect(after).toBeGreaterThanOrEqual(before);
  });

  it('reads performance.now(), so a test can move it', () => {
    vi.spyOn(performance, 'now').mockReturnValue(42);
    expect(monotonicClock()).toBe(42);
  });
});
