import { createInjectionSource, type KillSwitch, KillSwitchActiveError } from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';

/** One line of the demo's narration. */
export type Narrate = (line: string) => void;

/** Plays the demo scenario on the embedded default (stubs) and returns how many steps ran. */
export async function runScenario(narrate: Narrate, killSwitch: KillSwitch = createStubKillSwitch()): Promise<number> {
  const owner = createInjectionSource('cli');
  narrate(`1. A request from the ${owner.type} is trusted as "${owner.trustLevel}".`);
  const peer = createInjectionSource('p2p-discovery', { identity: { publicKey: 'MCowBQYDK2VwAyEA-demo' } });
  narrate(`2. A discovered peer is trusted as "${peer.trustLevel}".`);
  await killSwitch.activate('demo: operator pressed stop', { actor: 'operator' });
  const blocked = await guard(killSwitch);
  narrate(`3. With the kill switch active, work is refused: ${blocked}.`);
  await killSwitch.deactivate({ actor: 'operator' });
  narrate('4. The kill switch is released.');
  return 4;
}

async function guard(killSwitch: KillSwitch): Promise<string> {
  if (await killSwitch.isActive()) {
    return new KillSwitchActiveError({ reason: await killSwitch.getReason() }).code;
  }
  return 'allowed';
}
