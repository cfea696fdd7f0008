export { type RedisSentinelSetHandle, startRedisSentinelSet } from './redis-sentinel-set.js';
export { findFreePort, type RedisServerHandle, type RedisServerOptions, startRedisServer } from './redis-server.js';
export {
  deleteRedisKeys,
  describeWithRedisTopologies,
  type RedisTopologyConnection,
  type RedisTopologyUnderTest,
  redisTopologies,
} from './redis-topologies.js';
export { describeWithService, type IntegrationService, isCi } from './services.js';
