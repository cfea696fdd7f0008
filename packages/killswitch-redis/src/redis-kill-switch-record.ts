import { z } from 'zod';

/**
 * The switch's state as stored in Redis. `epoch` is a random id written when the state key is
 * first created; `version` counts changes within that epoch. Together they order states, so a
 * late message can never override a newer state, and a Redis that lost its data (a new epoch)
 * is still believed.
 */
export interface KillSwitchRecord {
  /** Id of the state key's lifetime (`''` when the key does not exist). */
  epoch: string;
  /** Number of changes in this epoch (0 when the switch was never changed). */
  version: number;
  /** True when everything must stop. */
  active: boolean;
  /** Why it was activated (absent when inactive). */
  reason?: string;
  /** Who made the change, when known. */
  actor?: string;
  /** When the change was made (ISO-8601). */
  changedAt?: string;
}

/** One entry of the shared history, newest first in `getHistory()`. */
export interface KillSwitchHistoryEntry {
  /** The change's number (in the current epoch of the state key). */
  version: number;
  /** The state the change set. */
  active: boolean;
  /** Why (activations only). */
  reason?: string;
  /** Who, when known. */
  actor?: string;
  /** When (ISO-8601). */
  changedAt: string;
}

/** The state of a switch that was never changed (or whose key is gone). */
export const NEVER_CHANGED: KillSwitchRecord = Object.freeze({ epoch: '', version: 0, active: false });

const text = z.string().max(10_000);

// Everything read back from Redis is untrusted: anyone with access to the server can write it.
const storedSchema = z.object({
  epoch: text.default(''),
  version: z.coerce.number().int().nonnegative().default(0),
  active: z.union([z.boolean(), z.enum(['0', '1'])]).default(false),
  reason: text.optional(),
  actor: text.optional(),
  changedAt: text.optional(),
});

function toRecord(value: unknown): KillSwitchRecord | undefined {
  const result = storedSchema.safeParse(value);
  if (!result.success) return undefined;
  const stored = result.data;
  const active = stored.active === true || stored.active === '1';
  return {
    epoch: stored.epoch,
    version: stored.version,
    active,
    ...(active && stored.reason ? { reason: stored.reason } : {}),
    ...(stored.actor ? { actor: stored.actor } : {}),
    ...(stored.changedAt ? { changedAt: stored.changedAt } : {}),
  };
}

/** Reads a record from the state hash (`HGETALL`); an empty hash is {@link NEVER_CHANGED}. */
export function recordFromHash(hash: Record<string, string>): KillSwitchRecord | undefined {
  if (Object.keys(hash).length === 0) return NEVER_CHANGED;
  return toRecord(hash);
}

/** Reads a record from a published message or a history entry; `undefined` when malformed. */
export function recordFromJson(json: string): KillSwitchRecord | undefined {
  try {
    return toRecord(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Turns a history entry read from Redis into its public shape; `undefined` when malformed. */
export function historyEntryFromJson(json: string): KillSwitchHistoryEntry | undefined {
  const record = recordFromJson(json);
  if (!record?.changedAt) return undefined;
  const { epoch: _epoch, ...entry } = record;
  return { ...entry, changedAt: record.changedAt };
}

/**
 * True when `candidate` should replace `current`.
 *
 * A pub/sub message, a script reply or a read that raced one (`authoritative` false) replaces
 * only a state it is not older than: a newer or equal version of the same epoch, or a state of
 * another epoch (Redis lost its data and was changed since). A read sent after the current
 * state arrived (`authoritative` true) is the truth and replaces anything, so a forged message
 * holds at most until the next re-read.
 *
 * Either way a missing key never replaces a real state: it may be a read that raced the first
 * write, and after a data loss the last known state (active stays active) is the safer answer
 * until someone changes the switch again.
 */
export function shouldReplace(
  candidate: KillSwitchRecord,
  current: KillSwitchRecord | undefined,
  authoritative = false,
): boolean {
  if (!current) return true;
  if (candidate.epoch === '' && current.epoch !== '') return false;
  if (authoritative || candidate.epoch !== current.epoch) return true;
  return candidate.version >= current.version;
}
