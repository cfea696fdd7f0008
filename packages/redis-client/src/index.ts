/**
 * `@warden/redis-client`: Redis connection settings (single Redis, Sentinel, Cluster), lazy
 * connections, Lua scripts and Cluster hash tags shared by Warden's Redis backends
 * (`@warden/killswitch-redis`, `@warden/approvals-redis`).
 *
 * @packageDocumentation
 */
export {
  databaseOf,
  isCluster,
  isRedisClient,
  keyPrefixSchema,
  type ParsedConnection,
  type RedisAuth,
  type RedisClient,
  type RedisConnectionConfig,
  type RedisNodeAddress,
  type RedisTarget,
  type RedisTlsConfig,
  type RedisTopology,
  redisConnectionShape,
  resolveRedisTarget,
  topologyOf,
} from './config.js';
export {
  createLazyRedisConnection,
  createRedisClient,
  duplicateForSubscriber,
  type LazyRedisConnection,
  redactRedisError,
} from './connection.js';
export { describeRedisPersistence, type RedisPersistence } from './persistence.js';
export { reconnectDelay } from './reconnect-delay.js';
export { acknowledgedReplicas, minReplicaAcksSchema, replicaAcksFor, waitBudgetMs } from './replication.js';
export { defineRedisScript, hashTaggedKey, type RedisScript } from './script.js';
export { createSentinelClient } from './sentinel-client.js';
