import { ConflictError } from '@warden/core';
import { defineRedisScript, type RedisClient } from '@warden/redis-client';
import { type KillSwitchReading, readingFromHash } from './redis-kill-switch-record.js';

/**
 * Changes the switch atomically: writes the state hash, appends it (signature included, so other
 * instances can check what they report) to the bounded history and to the change stream every
 * instance follows in `XREAD BLOCK`, all in one script. The stream is a key, as writable as the
 * hash and no more: an instance takes an entry at once only when it cannot lift a stop (an
 * activation, or with `verifyKey` a record signed by the operator newer than any seen), and
 * re-reads the hash for anything else. The three keys share the switch's hash tag, so it runs on
 * a Cluster.
 *
 * KEYS: state hash, history list, change stream.
 * ARGV: entries the stream keeps (at least; trimmed with `~`), active ('1' | '0'), reason, actor,
 * changedAt, history limit, version ('' bumps the stored one), expected stored version ('*'
 * checks nothing, '' expects no record), signature, skip-if-inactive ('1': an existing inactive
 * record is left alone), basis (signed changes: the version replaced; '' unsigned).
 * Returns { 1 changed | 0 unchanged | -1 version conflict | -2 no version left (the stored one is
 * 2^53 - 1), the state hash as stored now }. Versions travel as exact decimal text throughout.
 */
const changeScript = defineRedisScript(`
local state, history, changes = KEYS[1], KEYS[2], KEYS[3]
-- A key of another type (written by hand) would fail the script half-way, after the state was
-- written: an operator's change replaces it, like a record nobody can parse.
for key, kind in pairs({ [state] = 'hash', [history] = 'list', [changes] = 'stream' }) do
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then redis.call('DEL', key) end
end
if ARGV[8] ~= '*' and (redis.call('HGET', state, 'version') or '') ~= ARGV[8] then
  return { -1, redis.call('HGETALL', state) }
end
if ARGV[10] == '1' and redis.call('HGET', state, 'active') == '0' then
  return { 0, redis.call('HGETALL', state) }
end
local version = ARGV[7]
if version == '' then
  -- Lua's tostring and cjson write numbers with %.14g: from 1e14 on they rounded the version.
  -- Versions stay text here; only a version the reader accepts (digits, at most 2^53 - 1) is
  -- bumped, as a double (exact up to 2^53) written back with %.0f; anything else reads as no
  -- version. Past 2^53 - 1 no version is left: refused (-2), nothing written.
  local stored = redis.call('HGET', state, 'version') or ''
  local number = string.match(stored, '^[0-9]+$') and tonumber(stored) or 0
  if number > 9007199254740991 then number = 0 end
  if number == 9007199254740991 then return { -2, redis.call('HGETALL', state) } end
  version = string.format('%.0f', number + 1)
end
redis.call('HSET', state, 'version', version)
redis.call('HSET', state, 'active', ARGV[2], 'reason', ARGV[3], 'actor', ARGV[4], 'changedAt', ARGV[5], 'signature', ARGV[9], 'basis', ARGV[11])
local entry = cjson.encode({ version = version, active = ARGV[2] == '1', reason = ARGV[3], actor = ARGV[4], changedAt = ARGV[5], signature = ARGV[9], basis = ARGV[11] })
redis.call('LPUSH', history, entry)
redis.call('LTRIM', history, 0, tonumber(ARGV[6]) - 1)
redis.call('XADD', changes, 'MAXLEN', '~', ARGV[1], '*', 'record', entry)
return { 1, redis.call('HGETALL', state) }
`);

/**
 * How many entries the change stream keeps at least: an instance follows it from its end, so
 * only entries appended while its read is on the way back need to be there.
 */
const CHANGES_KEPT = 32;

/** One change to write. */
export interface KillSwitchChange {
  /** The state to set. */
  active: boolean;
  /** Why (activations only). */
  reason?: string;
  /** Who. */
  actor?: string;
  /** When (ISO-8601). */
  changedAt: string;
}

/** Where the switch lives and how it is written. */
export interface KillSwitchScriptTarget {
  /** The state hash's key. */
  stateKey: string;
  /** The history list's key. */
  historyKey: string;
  /** The change stream's key (every instance follows it). */
  changesKey: string;
  /** How many history entries to keep. */
  historyLimit: number;
}

/** How to write: a version bump, or a given (signed) version over an expected one. */
export interface KillSwitchWriteMode {
  /** The version to store; absent: bump the stored one. */
  version?: number;
  /** The stored version expected (`''`: no record); absent: no check. */
  expectedVersion?: string;
  /** The operator's signature of the record written. */
  signature?: string;
  /** The signed basis: the version replaced (see `KillSwitchRecord.basis`). */
  basis?: number;
  /** Leave an existing inactive record alone (an idempotent deactivation). */
  skipIfInactive: boolean;
}

/** What the script answered. */
export interface KillSwitchScriptResult {
  /** `changed`, `unchanged` (an idempotent deactivation) or `conflict` (the expected version did not match). */
  outcome: 'changed' | 'unchanged' | 'conflict';
  /** What the state hash holds now. */
  reading: KillSwitchReading;
  /** The same, as stored (a conflicting signed write retries from it without another read). */
  stored: Record<string, string>;
}

function hashFromFlat(flat: unknown): Record<string, string> {
  const hash: Record<string, string> = {};
  if (!Array.isArray(flat)) return hash;
  for (let index = 0; index + 1 < flat.length; index += 2) hash[String(flat[index])] = String(flat[index + 1]);
  return hash;
}

/**
 * True for Redis's answer that a key holds another type than the command needs: Redis answered,
 * and what it holds is no record (someone wrote the key by hand).
 */
function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

/** Reads the state hash; a key of another type reads as a hash nobody can parse. */
export async function readStateHash(redis: RedisClient, stateKey: string): Promise<Record<string, string>> {
  try {
    return await redis.hgetall(stateKey);
  } catch (error) {
    if (isWrongTypeError(error)) return { type: 'not a hash' };
    throw error;
  }
}

/** The largest version a change writes and a reader accepts (2^53 - 1: exact as a double and as text). */
export const MAX_KILL_SWITCH_VERSION: number = Number.MAX_SAFE_INTEGER;

/**
 * The error for a change that would need a version past {@link MAX_KILL_SWITCH_VERSION}: only a
 * Redis user numbering the record by hand gets there. Deleting the state key (then an operator's
 * `deactivate()`) starts the numbering again.
 */
export function versionsExhausted(stateKey: string): ConflictError {
  return new ConflictError({
    message:
      `Kill switch state "${stateKey}" has no version left (the next would pass 2^53 - 1): nothing was written. ` +
      'Delete the state key, then deactivate() with the operator key.',
  });
}

/** Runs the change script; the caller bounds its time. Throws `ConflictError` when no version is left. */
export async function runChangeScript(
  redis: RedisClient,
  target: KillSwitchScriptTarget,
  change: KillSwitchChange,
  mode: KillSwitchWriteMode,
): Promise<KillSwitchScriptResult> {
  const reply = await changeScript.run(
    redis,
    [target.stateKey, target.historyKey, target.changesKey],
    [
      String(CHANGES_KEPT),
      change.active ? '1' : '0',
      change.reason ?? '',
      change.actor ?? '',
      change.changedAt,
      String(target.historyLimit),
      mode.version === undefined ? '' : String(mode.version),
      mode.expectedVersion ?? '*',
      mode.signature ?? '',
      mode.skipIfInactive ? '1' : '0',
      mode.basis === undefined ? '' : String(mode.basis),
    ],
  );
  if (!Array.isArray(reply)) throw new TypeError('Unexpected reply from the kill switch script');
  if (reply[0] === -2) throw versionsExhausted(target.stateKey);
  const outcome = reply[0] === 1 ? 'changed' : reply[0] === 0 ? 'unchanged' : 'conflict';
  const stored = hashFromFlat(reply[1]);
  return { outcome, reading: readingFromHash(stored), stored };
}
