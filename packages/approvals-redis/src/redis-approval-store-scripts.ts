import { defineRedisScript, type RedisScript } from '@warden/redis-client';

/*
 * A record is one hash under its own hash tag (`<keyPrefix>{<id>}:request`), so requests spread
 * over a Cluster's slots and every transition is one atomic script on one key. The pending
 * indexes share another hash tag (`<keyPrefix>{index}:…`) and are updated by separate scripts:
 * an id is indexed before its record is created or made pending, and unindexed after it is
 * decided. An index may therefore briefly hold an id too many (a crash between the two steps),
 * never miss a pending record; listing reads each record and trusts only its status.
 */

/*
 * A rejected, expired or cancelled record is kept for the retention from the write that decided
 * it (a Redis TTL set in the same script): started at a later read, a rejection nobody read
 * again, or a flood of them, stayed in Redis for ever.
 *
 * An approved record is held awaiting execution for a bounded time: writing it approved stamps
 * `heldUntil` (Redis's own clock plus the hold) and gives the key a Redis TTL of the hold, so an
 * approval nobody executes never piles up. Every script that reads or replaces a record first
 * deletes an approved one whose hold is over, or that has no valid `heldUntil` (fail closed: a
 * record this store did not write, or whose TTL someone removed, authorises nothing).
 */
const HOLD = `
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function holdIsOver(key)
  local values = redis.call('HMGET', key, 'status', 'heldUntil')
  if values[1] ~= 'approved' then return false end
  local heldUntil = tonumber(values[2])
  if heldUntil and nowMs() < heldUntil then return false end
  redis.call('DEL', key)
  return true
end
local function hold(key, status, holdMs, retainMs)
  if status == 'approved' then
    redis.call('HSET', key, 'heldUntil', nowMs() + holdMs)
    redis.call('PEXPIRE', key, holdMs)
    return
  end
  redis.call('HDEL', key, 'heldUntil')
  if status ~= 'pending' and retainMs > 0 then redis.call('PEXPIRE', key, retainMs) end
end
`;

/**
 * Creates a record. KEYS: record. ARGV: data, version, status, tier, hold ms of an approved
 * record, retention ms of another decided one (0: for ever). Returns 0 when the id exists (an
 * approved record whose hold is over no longer does).
 */
export const createRecordScript: RedisScript = defineRedisScript(`${HOLD}
holdIsOver(KEYS[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'version', ARGV[2], 'status', ARGV[3], 'tier', ARGV[4])
hold(KEYS[1], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6]))
return 1
`);

/**
 * Compare-and-set: writes the next record only if the stored version equals the expected one.
 * KEYS: record. ARGV: expected version, next version, data, status, tier, hold ms of an approved
 * record, retention ms of another decided one (0: for ever). Returns { 1, previous tier } or
 * { 0 } (also for an approved record whose hold is over).
 */
export const compareAndSetScript: RedisScript = defineRedisScript(`${HOLD}
if holdIsOver(KEYS[1]) then return { 0 } end
local stored = redis.call('HGET', KEYS[1], 'version')
if (not stored) or stored ~= ARGV[1] then return { 0 } end
local previousTier = redis.call('HGET', KEYS[1], 'tier')
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'version', ARGV[2], 'status', ARGV[4], 'tier', ARGV[5])
hold(KEYS[1], ARGV[4], tonumber(ARGV[6]), tonumber(ARGV[7]))
return { 1, previousTier }
`);

/** Adds an id to pending indexes. KEYS: the indexes. ARGV: id, score (createdAt ms). */
export const indexAddScript: RedisScript = defineRedisScript(`
for index = 1, #KEYS do redis.call('ZADD', KEYS[index], ARGV[2], ARGV[1]) end
return 1
`);

/**
 * Admits a pending request into the indexes, counting and inserting in one atomic step, so that
 * processes racing on one Redis never together pass a bound (counted by each process and then
 * inserted, N of them each saw room for one more). KEYS: all pending, the requester's, the tier's
 * (one hash tag). ARGV: id, score, most pending overall, most pending for the requester (0: no
 * bound). Returns 1 (indexed now), 2 (already indexed: counted before), 0 (full overall) or -1
 * (full for the requester); a refusal changes nothing.
 */
export const indexAdmitScript: RedisScript = defineRedisScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  for index = 1, #KEYS do redis.call('ZADD', KEYS[index], ARGV[2], ARGV[1]) end
  return 2
end
local maxPending = tonumber(ARGV[3])
if maxPending > 0 and redis.call('ZCARD', KEYS[1]) >= maxPending then return 0 end
local maxPerRequester = tonumber(ARGV[4])
if maxPerRequester > 0 and redis.call('ZCARD', KEYS[2]) >= maxPerRequester then return -1 end
for index = 1, #KEYS do redis.call('ZADD', KEYS[index], ARGV[2], ARGV[1]) end
return 1
`);

/** Removes an id from indexes. KEYS: the indexes. ARGV: id. */
export const indexRemoveScript: RedisScript = defineRedisScript(`
for index = 1, #KEYS do redis.call('ZREM', KEYS[index], ARGV[1]) end
return 1
`);

/**
 * Reads a record. A decided record got its retention TTL when it was decided; one without a TTL
 * (written by an earlier release, or by a store that keeps records for ever, such as the CLI's)
 * starts its retention on this read. A pending one never gets a TTL; an approved one keeps its
 * hold TTL, and is deleted (read as nil) once its hold is over.
 * KEYS: record. ARGV: retention ms (0 keeps it forever). Returns { data, status, version } (the
 * hash fields, so the reader can check the JSON agrees with what the scripts decide by) or nil.
 */
export const readRecordScript: RedisScript = defineRedisScript(`${HOLD}
if holdIsOver(KEYS[1]) then return false end
local values = redis.call('HMGET', KEYS[1], 'data', 'status', 'version')
if not values[1] then return false end
local retention = tonumber(ARGV[1])
if values[2] ~= 'pending' and retention > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], retention)
end
return values
`);
