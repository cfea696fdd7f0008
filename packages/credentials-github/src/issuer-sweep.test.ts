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
});
