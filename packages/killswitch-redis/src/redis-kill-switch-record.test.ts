import { describe, expect, it } from 'vitest';
import {
  historyEntryFromJson,
  type KillSwitchRecord,
  NEVER_CHANGED,
  recordFromHash,
  recordFromJson,
  shouldReplace,
} from './redis-kill-switch-record.js';

const record = (epoch: string, version: number, active = true): KillSwitchRecord => ({ epoch, version, active });

describe('recordFromHash(hash)', () => {
  it('reads an empty hash (no key) as never changed, inactive', () => {
    expect(recordFromHash({})).toEqual(NEVER_CHANGED);
  });

  it('reads the stored fields, dropping empty ones', () => {
    const hash = {
      epoch: 'e1',
      version: '3',
      active: '1',
      reason: 'incident',
      actor: '',
      changedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(recordFromHash(hash)).toEqual({
      epoch: 'e1',
      version: 3,
      active: true,
      reason: 'incident',
      changedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('never reports a reason for an inactive state', () => {
    expect(recordFromHash({ epoch: 'e1', version: '4', active: '0', reason: 'left over' })?.reason).toBeUndefined();
  });

  it('refuses a tampered hash instead of guessing', () => {
    expect(recordFromHash({ epoch: 'e1', version: 'many', active: '1' })).toBeUndefined();
    expect(recordFromHash({ epoch: 'e1', version: '2', active: 'yes' })).toBeUndefined();
  });
});

describe('recordFromJson(json)', () => {
  it('reads what the change script publishes', () => {
    const json = '{"epoch":"e1","version":2,"active":true,"reason":"incident","actor":"alice","changedAt":"t"}';
    expect(recordFromJson(json)).toEqual({
      epoch: 'e1',
      version: 2,
      active: true,
      reason: 'incident',
      actor: 'alice',
      changedAt: 't',
    });
  });

  it.each(['not json', '[]', 'null', '{"version":-1}', '{"active":"maybe"}'])('answers undefined for %s', (json) => {
    expect(recordFromJson(json)).toBeUndefined();
  });
});

describe('historyEntryFromJson(json)', () => {
  it('drops the epoch and skips entries without a time', () => {
    expect(historyEntryFromJson('{"epoch":"e","version":1,"active":false,"actor":"bob","changedAt":"t"}')).toEqual({
      version: 1,
      active: false,
      actor: 'bob',
      changedAt: 't',
    });
    expect(historyEntryFromJson('{"epoch":"e","version":1,"active":false}')).toBeUndefined();
  });
});

describe('shouldReplace(candidate, current, authoritative)', () => {
  it('takes anything when nothing is held', () => {
    expect(shouldReplace(NEVER_CHANGED, undefined)).toBe(true);
  });

  it('takes a newer or equal version of the same epoch, never an older one (a late message)', () => {
    expect(shouldReplace(record('e1', 5), record('e1', 4))).toBe(true);
    expect(shouldReplace(record('e1', 5), record('e1', 5))).toBe(true);
    expect(shouldReplace(record('e1', 4, false), record('e1', 5))).toBe(false);
  });

  it('takes a state of another epoch (Redis lost its data and was changed since)', () => {
    expect(shouldReplace(record('e2', 1, false), record('e1', 9))).toBe(true);
  });

  it('takes an older version from an authoritative read (a forged message is undone)', () => {
    expect(shouldReplace(record('e1', 4), record('e1', 1_000_000, false), true)).toBe(true);
  });

  it('never replaces a real state by a missing key (a read that raced the first write, or lost data)', () => {
    expect(shouldReplace(NEVER_CHANGED, record('e1', 1))).toBe(false);
    expect(shouldReplace(NEVER_CHANGED, record('e1', 1), true)).toBe(false);
  });
});
