import type { KillSwitch } from '@warden/core';
import { expect, it } from 'vitest';

/** activate, deactivate, isActive and getReason as the port promises. */
export function registerKillSwitchBasics(subject: () => Promise<KillSwitch>): void {
  it('isActive() is false and getReason() undefined for a fresh switch', async () => {
    const killSwitch = await subject();
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getReason()).toBeUndefined();
  });

  it('names its port version and provider', async () => {
    const killSwitch = await subject();
    expect(killSwitch.specificationVersion).toBe('kill-switch-v1');
    expect(killSwitch.providerId).toMatch(/\S/);
  });

  it('activate(reason) makes isActive() true and getReason() return the reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('Security incident detected');
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getReason()).toBe('Security incident detected');
  });

  it('activate(reason) keeps the reason exactly, unicode and surrounding spaces included', async () => {
    const killSwitch = await subject();
    const reason = '  Incident #42: exfiltration via "tool" → stop ✋  ';
    await killSwitch.activate(reason);
    expect(await killSwitch.getReason()).toBe(reason);
  });

  it('activate(reason) accepts a reason of exactly 1,000 characters', async () => {
    const killSwitch = await subject();
    const reason = 'r'.repeat(1000);
    await killSwitch.activate(reason);
    expect(await killSwitch.getReason()).toBe(reason);
  });

  it('activate(reason) on an active switch replaces the reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('first incident');
    await killSwitch.activate('second incident');
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getReason()).toBe('second incident');
  });

  it('deactivate() clears the switch and the reason', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('drill');
    await killSwitch.deactivate();
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getReason()).toBeUndefined();
  });

  it('deactivate() is idempotent, on an inactive and on a fresh switch', async () => {
    const killSwitch = await subject();
    await killSwitch.deactivate();
    await killSwitch.activate('drill');
    await killSwitch.deactivate();
    await killSwitch.deactivate();
    expect(await killSwitch.isActive()).toBe(false);
    expect(await killSwitch.getReason()).toBeUndefined();
  });

  it('activate(reason) after deactivate() activates again', async () => {
    const killSwitch = await subject();
    await killSwitch.activate('first');
    await killSwitch.deactivate();
    await killSwitch.activate('again');
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getReason()).toBe('again');
  });

  it('close(), when the backend has it, resolves and may be called twice', async () => {
    const killSwitch = await subject();
    await killSwitch.isActive();
    if (typeof killSwitch.close !== 'function') {
      expect(killSwitch.close, 'close is optional, but when present it is a method').toBeUndefined();
      return;
    }
    await expect(killSwitch.close()).resolves.toBeUndefined();
    await expect(killSwitch.close()).resolves.toBeUndefined();
  });
}
