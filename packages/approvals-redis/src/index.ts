/**
 * `@warden/approvals-redis`: durable `ApprovalStore` and `RateLimiter` on Redis with atomic transitions.
 *
 * @packageDocumentation
 */
export { createRedisConnection } from './redis-connection.js';
