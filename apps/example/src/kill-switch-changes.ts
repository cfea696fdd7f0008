import { createInjectionSource, type InjectionSource, type KillSwitch } from '@warden/core';
import type { HostContext } from './host-context.js';

/**
 * Records a kill switch change as `kill_switch_activated` or `kill_switch_deactivated`, with who
 * made it and why, unless the backend records its own (the Redis one does).
 */
export function recordKillSwitchChange(
  host: HostContext,
  source: InjectionSource,
  change: { active: boolean; actor: string; reason?: string },
): void {
  if (host.backends.killSwitchEmitsEvents) return;
  host.events.emit({
    type: change.active ? 'kill_switch_activated' : 'kill_switch_deactivated',
    source,
    details: {
      step: 'kill-switch',
      actor: change.actor,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
    },
  });
}

/**
 * The host's kill switch as the console gets it: every change the console makes is recorded as
 * one made through the API is, so releasing the switch from the console leaves the same trace in
 * the audit log. Reads go straight to the backend.
 */
export function recordedKillSwitch(host: HostContext): KillSwitch {
  const killSwitch = host.backends.killSwitch;
  const record = (change: { active: boolean; actor?: string | undefined; reason?: string }) => {
    const actor = change.actor ?? 'operator';
    const source = createInjectionSource('cli', { identity: { userId: actor } });
    recordKillSwitchChange(host, source, { ...change, actor });
  };
  return {
    specificationVersion: killSwitch.specificationVersion,
    providerId: killSwitch.providerId,
    async activate(reason, options) {
      await killSwitch.activate(reason, options);
      record({ active: true, actor: options?.actor, reason });
    },
    async deactivate(options) {
      await killSwitch.deactivate(options);
      record({ active: false, actor: options?.actor });
    },
    isActive: () => killSwitch.isActive(),
    getReason: () => killSwitch.getReason(),
    getState: () => killSwitch.getState(),
    onChange: (listener) => killSwitch.onChange(listener),
  };
}
