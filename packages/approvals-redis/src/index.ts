/**
 * `@warden/approvals-redis`: durable `ApprovalStore` and `RateLimiter` on Redis (single Redis,
 * Sentinel or Cluster) with atomic transitions.
 *
 * @packageDocumentation
 */
export { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';
export type { RedisApprovalStoreConfig, RedisRateLimiterConfig } from './redis-config.js';
export { createRedisRateLimiter, type RedisRateLimiter } from './redis-rate-limiter.js';
