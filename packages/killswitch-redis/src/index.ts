/**
 * `@warden/killswitch-redis`: `KillSwitch` shared by every process through Redis (single,
 * Sentinel or Cluster), failing closed.
 *
 * @packageDocumentation
 */

export { createRedisKillSwitch, RedisKillSwitch } from './redis-kill-switch.js';
export type { KillSwitchKey, RedisKillSwitchConfig, RedisKillSwitchFailMode } from './redis-kill-switch-config.js';
export type { RedisKillSwitchState } from './redis-kill-switch-local-copy.js';
export type { KillSwitchHistoryEntry } from './redis-kill-switch-record.js';
