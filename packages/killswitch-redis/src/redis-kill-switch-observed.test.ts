import { describe, expect, it } from 'vitest';
import { observedChanges } from './redis-kill-switch-observed.js';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

const change = (version: number, active: boolean, actor = 'alice'): KillSwitchRecord => ({ version, active, actor });

describe('observedChanges(history, observed, auditedVersion) (attacker: a Redis user who can LPUSH the history)', () => {
  it('reports the entries between the last reported change and the record taken, oldest first, then the record itself', () => {
    const history = [change(5, true, 'history says carol'), change(4, false), change(3, true), change(2, false)];
    expect(observedChanges(history, change(5, true, 'carol'), 2)).toEqual([
      change(3, true),
      change(4, false),
      change(5, true, 'carol'),
    ]);
  });

  it('ignores entries numbered above the record taken: they neither get reported nor hide later changes', () => {
    const history = [change(999_999_999_999_999, false, 'forged'), change(4, true)];
    expect(observedChanges(history, change(4, true), 3)).toEqual([change(4, true)]);
  });

  it('reports only the record taken when the versions went back (a data loss, or tampering)', () => {
    expect(observedChanges([change(2, false), change(1, true)], change(2, false, 'bob'), 40)).toEqual([
      change(2, false, 'bob'),
    ]);
  });

  it('reports one entry per version, the first read', () => {
    const history = [change(3, false, 'second'), change(3, false, 'first')];
    expect(observedChanges(history, change(4, true), 2)).toEqual([change(3, false, 'first'), change(4, true)]);
  });
});
