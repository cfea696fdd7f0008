import type { KillSwitchState } from '@warden/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CLOCK_CHECK_EVERY,
  KillSwitchLocalCopy,
  type LocalCopyOptions,
  type TrustedState,
} from './redis-kill-switch-local-copy.js';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

const STALE_AFTER_MS = 5_000;

// The monotonic clock is injected and timers are fake: `advance` moves both, as a running event
// loop would; `stall` moves only the clock, as an event loop busy with something else would.
function setup(overrides: Partial<LocalCopyOptions> = {}) {
  let time = 1_000_000;
  let clockReads = 0;
  const errors: unknown[] = [];
  const copy = new KillSwitchLocalCopy({
    name: 'global',
    staleAfterMs: STALE_AFTER_MS,
    failMode: 'closed',
    monotonicNow: () => {
      clockReads += 1;
      return time;
    },
    onError: (error) => errors.push(error),
    ...overrides,
  });
  const heard: KillSwitchState[] = [];
  copy.subscribe((state) => heard.push(state));
  return {
    copy,
    heard,
    errors,
    advance: (milliseconds: number) => {
      time += milliseconds;
      vi.advanceTimersByTime(milliseconds);
    },
    stall: (milliseconds: number) => {
      time += milliseconds;
    },
    clockReads: () => clockReads,
  };
}

const inactiveRecord: KillSwitchRecord = { version: 1, active: false, actor: 'bob', changedAt: 't1' };
const inactive: TrustedState = { kind: 'known', record: inactiveRecord };
const active: TrustedState = {
  kind: 'known',
  record: { version: 2, active: true, reason: 'incident', actor: 'alice' },
};
const missing: TrustedState = { kind: 'unknown', why: 'no state record: deactivate() releases it' };

describe('KillSwitchLocalCopy', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('isActive() before any read fails closed, and says why', () => {
    const { copy } = setup();
    expect(copy.isActive()).toBe(true);
    expect(copy.view()).toMatchObject({ active: true, stale: true, version: 0 });
    expect(copy.view().reason).toMatch(/state unknown.*5000 ms.*failing closed/);
  });

  it('view() reports neither the signature nor the basis of a signed record', () => {
    const { copy } = setup();
    copy.accept({ kind: 'known', record: { ...inactiveRecord, signature: 'c2ln', basis: 0 } });
    expect(copy.view()).toEqual({
      name: 'global',
      version: 1,
      active: false,
      actor: 'bob',
      changedAt: 't1',
      stale: false,
    });
  });

  it('accept(state, { readAt }) dates the copy from when the read was sent: a reply slower than staleAfterMs arrives stale', () => {
    const { copy, advance } = setup();
    const sentAt = 1_000_000;
    advance(STALE_AFTER_MS + 1);
    copy.accept(inactive, { readAt: sentAt });
    expect(copy.isActive()).toBe(true);
    expect(copy.view()).toMatchObject({ active: true, stale: true });
    copy.accept(inactive, { readAt: sentAt + 2 });
    expect(copy.isActive()).toBe(false);
    advance(STALE_AFTER_MS);
    expect(copy.isActive()).toBe(true);
  });

  it('isActive() before any read answers true (unknown) in both fail modes: failMode open keeps only a state Redis confirmed', () => {
    for (const failMode of ['closed', 'open'] as const) {
      const { copy } = setup({ failMode });
      expect(copy.isActive()).toBe(true);
      expect(copy.view()).toMatchObject({ active: true, stale: true });
    }
  });

  it('isActive() answers the confirmed state until it is older than staleAfterMs', () => {
    const { copy, advance } = setup();
    copy.accept(inactive);
    advance(STALE_AFTER_MS);
    expect(copy.isActive()).toBe(false);
    expect(copy.view()).toMatchObject({ active: false, stale: false, actor: 'bob' });
    advance(1);
    expect(copy.isActive()).toBe(true);
    expect(copy.view()).toMatchObject({ active: true, stale: true, actor: 'bob' });
  });

  it('a stale inactive copy recovers by itself on the next confirmation', () => {
    const { copy, advance } = setup();
    copy.accept(inactive);
    advance(STALE_AFTER_MS + 1);
    copy.accept(inactive);
    expect(copy.isActive()).toBe(false);
    expect(copy.view().stale).toBe(false);
  });

  it('a stale active copy stays active with its real reason, in both fail modes', () => {
    for (const failMode of ['closed', 'open'] as const) {
      const { copy, advance } = setup({ failMode });
      copy.accept(active);
      advance(STALE_AFTER_MS + 1);
      expect(copy.isActive()).toBe(true);
      expect(copy.view()).toMatchObject({ active: true, reason: 'incident', stale: true });
    }
  });

  it('a stale inactive copy with failMode open keeps answering inactive, marked stale', () => {
    const { copy, advance } = setup({ failMode: 'open' });
    copy.accept(inactive);
    advance(STALE_AFTER_MS + 1);
    expect(copy.isActive()).toBe(false);
    expect(copy.view()).toMatchObject({ active: false, stale: true });
  });

  it('an unknown state (no record) answers active, with the reason, fresh or stale, in both fail modes', () => {
    for (const failMode of ['closed', 'open'] as const) {
      const { copy, advance } = setup({ failMode });
      copy.accept(missing);
      expect(copy.isActive()).toBe(true);
      expect(copy.view()).toMatchObject({ active: true, unknown: true, stale: false, reason: missing.why });
      advance(STALE_AFTER_MS + 1);
      expect(copy.isActive()).toBe(true);
    }
  });

  it('accept(state) takes what Redis holds now, an older version included (the record is the truth)', () => {
    const { copy } = setup();
    copy.accept(active);
    copy.accept(inactive);
    expect(copy.isActive()).toBe(false);
  });

  it('a local activation holds whatever Redis says, until accept clears it', () => {
    const { copy } = setup();
    copy.accept(inactive);
    copy.pinLocalActivation({ reason: 'Redis down, stop here', changedAt: 't3' });
    copy.accept(inactive);
    expect(copy.isActive()).toBe(true);
    expect(copy.view()).toMatchObject({ active: true, localOnly: true, reason: 'Redis down, stop here' });
    copy.accept({ kind: 'known', record: { ...inactiveRecord, version: 3 } }, { clearLocalActivation: true });
    expect(copy.isActive()).toBe(false);
    expect(copy.hasLocalActivation()).toBe(false);
  });

  it('tells listeners nothing about a first read that finds the switch inactive, then each change once', () => {
    const { copy, heard } = setup();
    copy.accept(inactive);
    copy.markFirstReadSettled();
    copy.notifyIfChanged();
    expect(heard).toEqual([]);
    copy.accept(active);
    copy.accept(active);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ active: true, reason: 'incident', version: 2 });
  });

  it('tells listeners when the first read finds no record (unknown, active)', () => {
    const { copy, heard } = setup();
    copy.accept(missing);
    expect(heard).toEqual([expect.objectContaining({ active: true, unknown: true })]);
  });

  it('measures staleness on the monotonic clock only', () => {
    const { copy, advance } = setup();
    copy.accept(inactive);
    advance(STALE_AFTER_MS + 1);
    expect(copy.isActive()).toBe(true);
  });

  it('tells listeners when the first read finds the switch active', () => {
    const { copy, heard } = setup();
    copy.accept(active);
    expect(heard.map((state) => state.reason)).toEqual(['incident']);
  });

  it('is silent about staleness while the first read is still trying, and tells it once it gave up', () => {
    const { copy, heard } = setup();
    copy.notifyIfChanged();
    expect(heard).toEqual([]);
    copy.markFirstReadSettled();
    copy.notifyIfChanged();
    expect(heard).toEqual([expect.objectContaining({ active: true, stale: true })]);
  });

  it('tells listeners when the copy goes stale (failing closed) and when it recovers', () => {
    const { copy, heard, advance } = setup();
    copy.accept(inactive);
    heard.length = 0;
    advance(STALE_AFTER_MS + 1);
    copy.notifyIfChanged();
    copy.notifyIfChanged();
    copy.accept(inactive);
    expect(heard.map((state) => [state.active, state.stale])).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('reports a listener that throws to onError and still tells the others', () => {
    const { copy, heard, errors } = setup();
    copy.subscribe(() => {
      throw new Error('listener failure');
    });
    copy.accept(active);
    expect(heard).toHaveLength(1);
    expect(errors).toEqual([new Error('listener failure')]);
  });

  describe('isActive() hot path (a precomputed answer, flipped at the freshness deadline)', () => {
    it('answers a fresh copy without reading the clock on every call', () => {
      const { copy, clockReads } = setup();
      copy.accept(inactive);
      const before = clockReads();
      for (let call = 0; call < 10 * CLOCK_CHECK_EVERY; call++) expect(copy.isActive()).toBe(false);
      expect(clockReads() - before).toBe(10);
    });

    it('fails closed at the deadline with no call in between: the timer flips it and tells listeners', () => {
      const { copy, heard, advance } = setup();
      copy.accept(inactive);
      advance(STALE_AFTER_MS);
      expect(copy.isActive()).toBe(false);
      expect(heard).toEqual([]);
      advance(1);
      expect(copy.isActive()).toBe(true);
      expect(heard).toEqual([expect.objectContaining({ active: true, stale: true })]);
    });

    it('each confirmation moves the deadline: a copy confirmed in time never goes stale', () => {
      const { copy, advance } = setup();
      copy.accept(inactive);
      for (let step = 0; step < 10; step++) {
        advance(STALE_AFTER_MS - 1);
        expect(copy.isActive()).toBe(false);
        copy.accept(inactive);
      }
    });

    it('a timer that fires before the deadline on the clock does not mark a fresh copy stale', () => {
      const { copy, stall } = setup();
      copy.accept(inactive);
      stall(STALE_AFTER_MS - 10);
      vi.advanceTimersByTime(STALE_AFTER_MS);
      expect(copy.isActive()).toBe(false);
      expect(copy.view().stale).toBe(false);
      stall(11);
      vi.advanceTimersByTime(11);
      expect(copy.isActive()).toBe(true);
    });

    it(`an attacker who stalls the event loop past staleAfterMs (the timer cannot fire) gets at most ${CLOCK_CHECK_EVERY - 1} more inactive answers`, () => {
      const { copy, stall } = setup();
      copy.accept(inactive);
      for (let call = 0; call < 5; call++) copy.isActive();
      stall(STALE_AFTER_MS + 1);
      let inactiveAnswers = 0;
      while (!copy.isActive()) inactiveAnswers += 1;
      expect(inactiveAnswers).toBeLessThan(CLOCK_CHECK_EVERY);
      for (let call = 0; call < 10 * CLOCK_CHECK_EVERY; call++) expect(copy.isActive()).toBe(true);
      // getState() always reads the clock.
      expect(copy.view()).toMatchObject({ active: true, stale: true });
    });

    it('the stale answer needs no timer at all once the clock is read: an inactive copy never outlives it', () => {
      const { copy, stall } = setup();
      copy.accept(inactive);
      stall(10 * STALE_AFTER_MS);
      const answers = Array.from({ length: CLOCK_CHECK_EVERY }, () => copy.isActive());
      expect(answers.at(-1)).toBe(true);
    });

    it('a local activation and an active or unknown state answer active with no clock read', () => {
      for (const state of [active, missing]) {
        const { copy, clockReads } = setup();
        copy.accept(state);
        const before = clockReads();
        for (let call = 0; call < 10 * CLOCK_CHECK_EVERY; call++) expect(copy.isActive()).toBe(true);
        expect(clockReads()).toBe(before);
      }
      const { copy } = setup();
      copy.accept(inactive);
      copy.pinLocalActivation({ reason: 'Redis down', changedAt: 't' });
      expect(copy.isActive()).toBe(true);
    });

    it('with failMode open, a copy that goes stale keeps answering the confirmed state', () => {
      const { copy, advance } = setup({ failMode: 'open' });
      copy.accept(inactive);
      advance(STALE_AFTER_MS + 1);
      for (let call = 0; call < 2 * CLOCK_CHECK_EVERY; call++) expect(copy.isActive()).toBe(false);
    });
  });
});
