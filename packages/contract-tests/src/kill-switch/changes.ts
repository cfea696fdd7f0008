import type { KillSwitch, KillSwitchState } from '@warden/core';
import { expect, it } from 'vitest';

/** Reads every answer the switch gives, as a caller checking it before each operation would. */
async function readAll(killSwitch: KillSwitch): Promise<[boolean, string | undefined, KillSwitchState]> {
  return [await killSwitch.isActive(), await killSwitch.getReason(), await killSwitch.getState()];
}

/**
 * Every change is answered at once by the instance that made it (no answer cached from before
 * the change), and records who made it: never the actor of an earlier change.
 */
export function registerKillSwitchChanges(subject: () => Promise<KillSwitch>): void {
  it('isActive(), getReason() and getState() answer activate() and deactivate() as soon as they resolve, reads in between included', async () => {
    const killSwitch = await subject();
    for (const round of [1, 2, 3]) {
      // A read before the change: a backend that caches its answer must not serve it after the change.
      expect(await killSwitch.isActive(), `round ${round}: before activate`).toBe(false);
      await readAll(killSwitch);
      await killSwitch.activate(`incident ${round}`, { actor: 'alice' });
      const [active, reason, state] = await readAll(killSwitch);
      expect([active, reason], `round ${round}: right after activate`).toEqual([true, `incident ${round}`]);
      expect(state).toMatchObject({ active: true, reason: `incident ${round}`, actor: 'alice' });

      await killSwitch.deactivate({ actor: 'bob' });
      const [inactive, noReason, after] = await readAll(killSwitch);
      expect([inactive, noReason], `round ${round}: right after deactivate`).toEqual([false, undefined]);
      expect(after).toMatchObject({ active: false, actor: 'bob' });
    }
  });

  it('getReason() answers a re-activation with a new reason at once, after reading the old one', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('first reason');
    expect(await killSwitch.getReason()).toBe('first reason');
    await killSwitch.activate('second reason');
    expect(await killSwitch.getReason()).toBe('second reason');
    expect((await killSwitch.getState()).reason).toBe('second reason');
  });

  it('getState() after deactivate() without an actor records no actor, not the one who activated it', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('drill', { actor: 'alice' });
    const heard: KillSwitchState[] = [];
    killSwitch.onChange((state) => heard.push(state));
    await killSwitch.deactivate();
    const state = await killSwitch.getState();
    expect(state.active).toBe(false);
    expect(state.actor, 'the audit trail would name alice for a change she did not make').toBeUndefined();
    expect(heard).toHaveLength(1);
    expect(heard[0]?.actor).toBeUndefined();
  });

  it('getState() after activate(reason) without an actor, following one by alice, records no actor', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('first', { actor: 'alice' });
    await killSwitch.activate('second');
    expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'second' });
    expect((await killSwitch.getState()).actor).toBeUndefined();
  });

  it('getState() names the actor of each change in turn', async () => {
    const killSwitch = await subject();
    const steps: Array<[string, () => Promise<void>]> = [
      ['alice', () => killSwitch.activate('one', { actor: 'alice' })],
      ['bob', () => killSwitch.deactivate({ actor: 'bob' })],
      ['carol', () => killSwitch.activate('two', { actor: 'carol' })],
      ['dave', () => killSwitch.activate('three', { actor: 'dave' })],
      ['erin', () => killSwitch.deactivate({ actor: 'erin' })],
    ];
    for (const [actor, change] of steps) {
      await change();
      expect((await killSwitch.getState()).actor).toBe(actor);
    }
  });
}
