import type { KillSwitch } from '@warden/core';
import { expect, it } from 'vitest';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** How far a recorded time may be from the test's clock (the subject may run elsewhere). */
const CLOCK_TOLERANCE_MS = 5 * 60_000;

function expectRecentIsoTime(value: string | undefined, startedAt: number): void {
  expect(value).toMatch(ISO_TIME);
  const time = Date.parse(value ?? '');
  expect(time).toBeGreaterThanOrEqual(startedAt - CLOCK_TOLERANCE_MS);
  expect(time).toBeLessThanOrEqual(Date.now() + CLOCK_TOLERANCE_MS);
}

/** getState(): who changed the switch, when and why. */
export function registerKillSwitchState(subject: () => Promise<KillSwitch>): void {
  it('getState() of a fresh switch is inactive, without reason, and not stale', async () => {
    const killSwitch = await subject();
    const state = await killSwitch.getState();
    expect(state.active).toBe(false);
    expect(state.reason).toBeUndefined();
    expect(state.stale ?? false).toBe(false);
  });

  it('getState() after activate(reason, { actor }) reports the reason, the actor and the time', async () => {
    const killSwitch = await subject();
    const startedAt = Date.now();
    await killSwitch.activate('Security incident detected', { actor: 'alice' });
    const state = await killSwitch.getState();
    expect(state).toMatchObject({ active: true, reason: 'Security incident detected', actor: 'alice' });
    expect(state.stale ?? false).toBe(false);
    expectRecentIsoTime(state.changedAt, startedAt);
  });

  it('getState() after activate(reason) without an actor records no actor', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('no actor given');
    expect((await killSwitch.getState()).actor).toBeUndefined();
  });

  it('getState() after deactivate({ actor }) reports who deactivated it and drops the reason', async () => {
    const killSwitch = await subject();
    const startedAt = Date.now();
    await killSwitch.activate('drill', { actor: 'alice' });
    await killSwitch.deactivate({ actor: 'bob' });
    const state = await killSwitch.getState();
    expect(state).toMatchObject({ active: false, actor: 'bob' });
    expect(state.reason).toBeUndefined();
    expectRecentIsoTime(state.changedAt, startedAt);
  });

  it('getState() after a second activate(reason, { actor }) reports the second actor and reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('first', { actor: 'alice' });
    await killSwitch.activate('second', { actor: 'carol' });
    expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'second', actor: 'carol' });
  });

  it('getState() returns a copy: changing it changes nothing', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('original', { actor: 'alice' });
    const state = await killSwitch.getState();
    state.active = false;
    state.reason = 'tampered';
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'original' });
  });
}
