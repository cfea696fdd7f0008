import type { KillSwitch, KillSwitchState } from '@warden/core';
import { expect, it } from 'vitest';

/** Long enough for an echo of the subject's own change (a pub/sub message, a stream entry) to arrive. */
const ECHO_SETTLE_MS = 150;

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, ECHO_SETTLE_MS));

function recordChanges(killSwitch: KillSwitch): { states: KillSwitchState[]; unsubscribe: () => void } {
  const states: KillSwitchState[] = [];
  const unsubscribe = killSwitch.onChange((state) => states.push(state));
  return { states, unsubscribe };
}

/** onChange(listener): every change, once, and unsubscribing. */
export function registerKillSwitchNotifications(subject: () => Promise<KillSwitch>): void {
  it('onChange(listener) hears activate(reason, { actor }) by the time it resolves', async () => {
    const killSwitch = await subject();
    const { states } = recordChanges(killSwitch);
    await killSwitch.activate('Security incident detected', { actor: 'alice' });
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ active: true, reason: 'Security incident detected', actor: 'alice' });
  });

  it('onChange(listener) hears deactivate({ actor }) with the actor and no reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('drill');
    const { states } = recordChanges(killSwitch);
    await killSwitch.deactivate({ actor: 'bob' });
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ active: false, actor: 'bob' });
    expect(states[0]?.reason).toBeUndefined();
  });

  it('onChange(listener) hears each change once, re-activation included', async () => {
    const killSwitch = await subject();
    const { states } = recordChanges(killSwitch);
    await killSwitch.activate('first');
    await killSwitch.activate('second');
    await killSwitch.deactivate();
    await settle();
    expect(states.map((state) => [state.active, state.reason])).toEqual([
      [true, 'first'],
      [true, 'second'],
      [false, undefined],
    ]);
  });

  it('deactivate() on an inactive switch notifies nobody', async () => {
    const killSwitch = await subject();
    await killSwitch.isActive();
    const { states } = recordChanges(killSwitch);
    await killSwitch.deactivate();
    await settle();
    expect(states).toEqual([]);
  });

  it('the function onChange(listener) returns unsubscribes that listener only', async () => {
    const killSwitch = await subject();
    const first = recordChanges(killSwitch);
    const second = recordChanges(killSwitch);
    first.unsubscribe();
    first.unsubscribe();
    await killSwitch.activate('after unsubscribe');
    expect(first.states).toEqual([]);
    expect(second.states).toHaveLength(1);
  });

  it('a listener that throws neither stops the change nor the other listeners', async () => {
    const killSwitch = await subject();
    killSwitch.onChange(() => {
      throw new Error('listener failure');
    });
    const { states } = recordChanges(killSwitch);
    await killSwitch.activate('despite a failing listener');
    expect(await killSwitch.isActive()).toBe(true);
    expect(states).toHaveLength(1);
  });

  it('a listener changing the state it was given changes nothing', async () => {
    const killSwitch = await subject();
    killSwitch.onChange((state) => {
      state.active = false;
      state.reason = 'tampered';
    });
    await killSwitch.activate('original');
    expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'original' });
  });
}
