import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Changes the switch atomically: bumps the version, writes the state hash, appends to the
 * bounded history and publishes the new state, all in one script, so no reader ever sees a
 * state that was not published and subscribers receive changes in version order.
 *
 * A deactivation of a switch that is not active changes nothing (idempotent), unless the key
 * is gone while the caller still holds a state from an earlier epoch: then Redis lost its
 * data, and writing a fresh inactive state tells every instance still holding the old one.
 *
 * KEYS: state hash, history list.
 * ARGV: channel, active ('1' | '0'), reason, actor, changedAt, epoch candidate, history limit,
 * the caller's known epoch.
 * Returns { 1 | 0 (changed), the state as JSON }.
 */
const CHANGE_SCRIPT = `
local state, history = KEYS[1], KEYS[2]
local function snapshot()
  local fields = redis.call('HGETALL', state)
  local record = {}
  for index = 1, #fields, 2 do record[fields[index]] = fields[index + 1] end
  return cjson.encode({
    epoch = record.epoch or '', version = tonumber(record.version or '0'), active = record.active == '1',
    reason = record.reason or '', actor = record.actor or '', changedAt = record.changedAt or ''
  })
end
local exists = redis.call('EXISTS', state) == 1
if ARGV[2] == '0' and redis.call('HGET', state, 'active') ~= '1' and (exists or ARGV[8] == '') then
  return { 0, snapshot() }
end
redis.call('HSETNX', state, 'epoch', ARGV[6])
redis.call('HINCRBY', state, 'version', 1)
redis.call('HSET', state, 'active', ARGV[2], 'reason', ARGV[3], 'actor', ARGV[4], 'changedAt', ARGV[5])
local record = snapshot()
redis.call('LPUSH', history, record)
redis.call('LTRIM', history, 0, tonumber(ARGV[7]) - 1)
redis.call('PUBLISH', ARGV[1], record)
return { 1, record }
`;

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
  /** The channel changes are published on. */
  channel: string;
  /** How many history entries to keep. */
  historyLimit: number;
}

/** What the script answered: whether it changed anything, and the state now stored (JSON). */
export interface KillSwitchScriptResult {
  /** False for a deactivation of an inactive switch. */
  changed: boolean;
  /** The stored state, as published. */
  recordJson: string;
}

/** Runs the change script; the caller bounds its time. */
export async function runChangeScript(
  redis: Redis,
  target: KillSwitchScriptTarget,
  change: KillSwitchChange,
  knownEpoch: string,
): Promise<KillSwitchScriptResult> {
  const reply = await redis.eval(
    CHANGE_SCRIPT,
    2,
    target.stateKey,
    target.historyKey,
    target.channel,
    change.active ? '1' : '0',
    change.reason ?? '',
    change.actor ?? '',
    change.changedAt,
    randomUUID(),
    String(target.historyLimit),
    knownEpoch,
  );
  if (!Array.isArray(reply) || typeof reply[1] !== 'string') {
    throw new Error('Unexpected reply from the kill switch script');
  }
  return { changed: reply[0] === 1, recordJson: reply[1] };
}
