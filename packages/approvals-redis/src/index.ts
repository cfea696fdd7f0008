/**
 * `@warden/approvals-redis`: durable `ApprovalStore` and `RateLimiter` on Redis with atomic transitions.
 *
 * @packageDocumentation
 */
export { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';
export { createRedisConnection } from './redis-connection.js';
export { createRedisRateLimiter, type RedisRateLimiter } from './redis-rate-limiter.js';
export type { RedisApprovalStoreSettings, RedisRateLimiterSettings } from './redis-settings.js';
