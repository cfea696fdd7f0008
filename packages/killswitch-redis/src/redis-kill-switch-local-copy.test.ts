import type { KillSwitchState } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { KillSwitchLocalCopy, type LocalCopyOptions, type TrustedState } from './redis-kill-switch-local-copy.js';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

const STALE_AFTER_MS = 5_000;

function setup(overrides: Partial<LocalCopyOptions> = {}) {
  let time = 1_000_000;
  const errors: unknown[] = [];
  const copy = new KillSwitchLocalCopy({
    name: 'global',
    staleAfterMs: STALE_AFTER_MS,
    failMode: 'closed',
    monotonicNow: () => time,
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
    },
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
  it('isActive() before any read fails closed, and says why', () => {
    const { copy } = setup();
    expect(copy.isActive()).toBe(true);
    expect(copy.view()).toMatchObject({ active: true, stale: true, version: 0 });
    expect(copy.view().reason).toMatch(/state unknown.*5000 ms.*failing closed/);
  });

  it('isActive() before any read answers false with failMode open', () => {
    expect(setup({ failMode: 'open' }).copy.isActive()).toBe(false);
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
});
