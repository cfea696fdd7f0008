/**
 * The first check on every message: the kill switch, failing closed.
 *
 * @module
 */
import type { KillSwitch } from '@warden/core';
import { McpDeniedError } from './denial.js';

/** Throws unless the kill switch answers "off"; a switch that cannot answer counts as on. */
export async function assertKillSwitchOff(killSwitch: KillSwitch): Promise<void> {
  let active: boolean;
  try {
    active = await killSwitch.isActive();
  } catch (error) {
    throw new McpDeniedError({
      denial: 'BACKEND_UNAVAILABLE',
      message: 'the kill switch could not answer',
      cause: error,
    });
  }
  if (active) throw new McpDeniedError({ denial: 'KILL_SWITCH_ACTIVE', message: 'the kill switch is active' });
}
