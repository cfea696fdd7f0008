import { defineRedisScript, type RedisScript } from './redis-script.js';

/**
 * Creates a record and indexes it when pending. KEYS: record, pending, requester index, tier
 * index. ARGV: id, data, version, status, tier, score (createdAt ms). Returns 0 when the id exists.
 */
export const createRecordScript: RedisScript = defineRedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'version', ARGV[3], 'status', ARGV[4], 'tier', ARGV[5])
if ARGV[4] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
end
return 1
`);

/**
 * Compare-and-set: writes the next record only if the stored version equals the expected one,
 * and moves the id between the pending indexes in the same step. KEYS: record, pending,
 * requester index, then the four tier indexes. ARGV: id, expected version, next version, data,
 * status, tier, score, then the four tier names in the order of their keys. Returns 1 or 0.
 */
export const compareAndSetScript: RedisScript = defineRedisScript(`
local stored = redis.call('HGET', KEYS[1], 'version')
if (not stored) or stored ~= ARGV[2] then return 0 end
local previousTier = redis.call('HGET', KEYS[1], 'tier')
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'version', ARGV[3], 'status', ARGV[5], 'tier', ARGV[6])
for index = 1, 4 do
  if ARGV[7 + index] == previousTier then redis.call('ZREM', KEYS[3 + index], ARGV[1]) end
end
if ARGV[5] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
  for index = 1, 4 do
    if ARGV[7 + index] == ARGV[6] then redis.call('ZADD', KEYS[3 + index], ARGV[7], ARGV[1]) end
  end
else
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1
`);

/**
 * Reads a record. A decided record starts its retention countdown on this first read (never
 * before, so nobody loses a decision they have not seen); a pending one never gets a TTL.
 * KEYS: record. ARGV: retention ms (0 keeps it forever). Returns the JSON data or nil.
 */
export const readRecordScript: RedisScript = defineRedisScript(`
local values = redis.call('HMGET', KEYS[1], 'data', 'status')
if not values[1] then return false end
local retention = tonumber(ARGV[1])
if values[2] ~= 'pending' and retention > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], retention)
end
return values[1]
`);
