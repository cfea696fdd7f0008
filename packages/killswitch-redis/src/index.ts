/**
 * `@warden/killswitch-redis`: `KillSwitch` shared by every process through Redis, failing closed.
 *
 * @packageDocumentation
 */

export { createRedisKillSwitch, RedisKillSwitch } from './redis-kill-switch.js';
export type { RedisKillSwitchState } from './redis-kill-switch-local-copy.js';
export type { KillSwitchHistoryEntry } from './redis-kill-switch-record.js';
export type { RedisKillSwitchConfig, RedisKillSwitchFailMode } from './redis-kill-switch-settings.js';
