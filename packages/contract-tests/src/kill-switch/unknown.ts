import type { KillSwitch } from '@warden/core';
import { expect, it } from 'vitest';

/** Wraps a subject factory so every switch is released (`deactivate()`) before a test uses it. */
export function released(subject: () => Promise<KillSwitch>): () => Promise<KillSwitch> {
  return async () => {
    const killSwitch = await subject();
    await killSwitch.deactivate({ actor: 'contract-suite' });
    return killSwitch;
  };
}

/** A backend whose fresh state is unknown denies until an explicit deactivate(). */
export function registerKillSwitchFreshStateUnknown(subject: () => Promise<KillSwitch>): void {
  it('isActive() of a fresh switch is true (unknown fails closed) and getReason() names deactivate()', async () => {
    const killSwitch = await subject();
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getReason()).toMatch(/deactivate\(\)/);
    expect((await killSwitch.getState()).active).toBe(true);
  });

  it('deactivate() releases a fresh switch: isActive() false, getState() names the actor', async () => {
    const killSwitch = await subject();
    await killSwitch.deactivate({ actor: 'operator' });
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getState()).toMatchObject({ active: false, actor: 'operator' });
  });
}
