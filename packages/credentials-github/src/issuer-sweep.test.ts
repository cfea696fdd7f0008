import { BackendUnavailableError, type WardenError } from '@warden/core';
import { describe, expect, it, vi } from 'vitest';
import { startBackgroundSweep } from './issuer-sweep.js';

describe('startBackgroundSweep(sweep, settings)', () => {
  it('without sweepIntervalMs starts no timer and never sweeps', async () => {
    const sweep = vi.fn(async () => []);
    expect(startBackgroundSweep(sweep, {})).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sweep).not.toHaveBeenCalled();
  });

  it("sweeps every sweepIntervalMs on an unref'd timer", async () => {
    const sweep = vi.fn(async () => []);
    const timer = startBackgroundSweep(sweep, { sweepIntervalMs: 10 });
    try {
      expect(timer?.hasRef()).toBe(false);
      await vi.waitFor(() => expect(sweep.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 90_000 });
    } finally {
      clearInterval(timer);
    }
  });

  it('tells onSweepError about a sweep that failed with a Warden error', async () => {
    const failure = new BackendUnavailableError({ backend: 'github', message: 'GitHub failed to list secrets (503)' });
    const reported: WardenError[] = [];
    const timer = startBackgroundSweep(() => Promise.reject(failure), {
      sweepIntervalMs: 10,
      onSweepError: (error) => reported.push(error),
    });
    try {
      await vi.waitFor(() => expect(reported[0]).toBe(failure), { timeout: 90_000 });
    } finally {
      clearInterval(timer);
    }
  });

  it('swallows any other failure, and a Warden error when no onSweepError is given: no unhandled rejection', async () => {
    const onSweepError = vi.fn();
    const sweeps = vi.fn(() => Promise.reject(new Error('not a Warden error')));
    const quiet = vi.fn(() => Promise.reject(new BackendUnavailableError({ backend: 'github', message: 'down' })));
    const timers = [
      startBackgroundSweep(sweeps, { sweepIntervalMs: 10, onSweepError }),
      startBackgroundSweep(quiet, { sweepIntervalMs: 10 }),
    ];
    try {
      await vi.waitFor(
        () => {
          expect(sweeps.mock.calls.length).toBeGreaterThanOrEqual(2);
          expect(quiet.mock.calls.length).toBeGreaterThanOrEqual(2);
        },
        { timeout: 90_000 },
      );
      expect(onSweepError).not.toHaveBeenCalled();
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });

  // The attacker here is a slow GitHub (or a stalled one, within each attempt's deadline): a sweep
  // that outlasted the interval was joined by another every tick, each listing and revoking the
  // same credentials again, piling up requests and memory without bound.
  it('starts no sweep while the previous one still runs, and sweeps again once it has finished', async () => {
    let finish = () => {};
    const held = vi.fn(() => new Promise<string[]>((resolve) => (finish = () => resolve([]))));
    const witness = vi.fn(async () => []);
    const timers = [
      startBackgroundSweep(held, { sweepIntervalMs: 10 }),
      // Started after the first with the same interval, so its ticks follow the first one's.
      startBackgroundSweep(witness, { sweepIntervalMs: 10 }),
    ];
    try {
      await vi.waitFor(() => expect(witness.mock.calls.length).toBeGreaterThanOrEqual(5), { timeout: 90_000 });
      expect(held).toHaveBeenCalledTimes(1);
      finish();
      await vi.waitFor(() => expect(held.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 90_000 });
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });

  // The attacker here is a fault in the caller's own handler (a logger that broke): it threw
  // inside the timer's promise chain, an unhandled rejection, which ends a Node process.
  it('an onSweepError that throws leaves no unhandled rejection, and sweeping goes on', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    const failure = new BackendUnavailableError({ backend: 'github', message: 'down' });
    const onSweepError = vi.fn(() => {
      throw new Error('logger broke');
    });
    const timer = startBackgroundSweep(() => Promise.reject(failure), { sweepIntervalMs: 10, onSweepError });
    try {
      await vi.waitFor(() => expect(onSweepError.mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 90_000 });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      clearInterval(timer);
      process.off('unhandledRejection', record);
    }
  });
});
