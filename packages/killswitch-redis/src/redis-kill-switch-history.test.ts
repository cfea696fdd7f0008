import { describe, expect, it } from 'vitest';
import { HeldSignedRecords, judgeHistory } from './redis-kill-switch-history.js';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

const record = (version: number, active: boolean, basis: number, signature = `s${version}`): KillSwitchRecord => ({
  version,
  active,
  basis,
  signature,
  changedAt: 't',
});

describe('judgeHistory(history, verify, held)', () => {
  it('lists a signed release as signed only when it fits the signed entries before it (attacker: a Redis user swapping in a release that lost its race)', () => {
    const activation = record(5, true, 4);
    const lostRace = record(9, false, 4); // released version 4, under the activation 5
    const later = record(6, true, 5);
    const verdicts = judgeHistory(
      [later, lostRace, activation],
      () => true,
      () => false,
    );
    expect(verdicts.get(activation)?.signed).toBe(true);
    expect(verdicts.get(lostRace)?.signed).toBe(false);
    // Out of order above the release it displaced: the next signed entry still fits.
    expect(verdicts.get(later)?.signed).toBe(true);
  });

  it('says tookEffect only for the very record held (same version, same signature)', () => {
    const held = new HeldSignedRecords(2);
    held.remember(record(5, true, 4));
    expect(held.has(record(5, true, 4))).toBe(true);
    expect(held.has(record(5, false, 4, 'other'))).toBe(false);
    held.remember(record(6, false, 5));
    held.remember(record(7, true, 6));
    expect(held.has(record(5, true, 4))).toBe(false);
  });
});
