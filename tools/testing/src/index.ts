export { findFreePort, type RedisServerHandle, type RedisServerOptions, startRedisServer } from './redis-server.js';
export { describeWithService, type IntegrationService, isCi } from './services.js';
