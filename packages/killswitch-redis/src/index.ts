/**
 * `@warden/killswitch-redis`: `KillSwitch` shared by every process through Redis, failing closed.
 *
 * @packageDocumentation
 */
export { createRedisConnection } from './redis-connection.js';
