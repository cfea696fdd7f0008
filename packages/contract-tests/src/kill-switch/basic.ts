import type { KillSwitch } from '@warden/core';
import { expect, it } from 'vitest';

/** activate, deactivate, isActive and getReason as the port promises. */
export function registerKillSwitchBasics(subject: () => Promise<KillSwitch>): void {
  it('isActive() is false for a fresh switch', async () => {
    const killSwitch = await subject();
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getReason()).toBeUndefined();
  });

  it('activate(reason) makes isActive() true and getReason() return the reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('Security incident detected');
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getReason()).toBe('Security incident detected');
  });

  it('deactivate() clears the switch and is idempotent', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('drill');
    await killSwitch.deactivate();
    await killSwitch.deactivate();
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getReason()).toBeUndefined();
  });
}
