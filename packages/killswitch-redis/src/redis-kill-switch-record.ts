import { z } from 'zod';

/** The switch's state as stored in Redis (the state hash). */
export interface KillSwitchRecord {
  /** Orders changes: it only grows while the key lives (a signed change uses at least the time in ms). */
  version: number;
  /** True when everything must stop. */
  active: boolean;
  /** Why it was activated (absent when inactive). */
  reason?: string;
  /** Who made the change, when known. */
  actor?: string;
  /** When the change was made (ISO-8601). */
  changedAt?: string;
  /** Ed25519 signature of the operator (base64), when the change was signed. */
  signature?: string;
}

/** One entry of the shared history, newest first in `getHistory()`. */
export interface KillSwitchHistoryEntry {
  /** The change's number. */
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

/**
 * What a read of the state hash found: a record, no record at all (first deployment, data loss,
 * wrong database: unknown), or one nobody can parse (unknown too).
 */
export type KillSwitchReading =
  | { kind: 'record'; record: KillSwitchRecord }
  | { kind: 'missing' }
  | { kind: 'malformed' };

const text = z.string().max(10_000);

// Everything read back from Redis is untrusted: anyone with access to the server can write it.
const storedSchema = z.object({
  version: z.coerce.number().int().nonnegative(),
  active: z.union([z.boolean(), z.enum(['0', '1'])]),
  reason: text.optional(),
  actor: text.optional(),
  changedAt: text.optional(),
  signature: z.string().max(200).optional(),
});

function toRecord(value: unknown): KillSwitchRecord | undefined {
  const result = storedSchema.safeParse(value);
  if (!result.success) return undefined;
  const stored = result.data;
  const active = stored.active === true || stored.active === '1';
  return {
    version: stored.version,
    active,
    ...(active && stored.reason ? { reason: stored.reason } : {}),
    ...(stored.actor ? { actor: stored.actor } : {}),
    ...(stored.changedAt ? { changedAt: stored.changedAt } : {}),
    ...(stored.signature ? { signature: stored.signature } : {}),
  };
}

/** Reads the state hash (`HGETALL`): an empty hash is missing, never "inactive". */
export function readingFromHash(hash: Record<string, string>): KillSwitchReading {
  if (Object.keys(hash).length === 0) return { kind: 'missing' };
  const record = toRecord(hash);
  return record ? { kind: 'record', record } : { kind: 'malformed' };
}

/**
 * Reads the record a change announced on the channel (the script publishes what it wrote, signature
 * included); `undefined` when the message is anything else. Anyone who can `PUBLISH` can send one:
 * it is untrusted until verified like a read.
 */
export function recordFromMessage(payload: string): KillSwitchRecord | undefined {
  if (!payload.startsWith('{')) return undefined;
  try {
    return toRecord(JSON.parse(payload));
  } catch {
    return undefined;
  }
}

/** Reads a history entry; `undefined` when malformed. */
export function historyEntryFromJson(json: string): KillSwitchHistoryEntry | undefined {
  let record: KillSwitchRecord | undefined;
  try {
    record = toRecord(JSON.parse(json));
  } catch {
    return undefined;
  }
  if (!record?.changedAt) return undefined;
  const { signature: _signature, ...entry } = record;
  return { ...entry, changedAt: record.changedAt };
}

/** True when two records describe the same change (same version, state and time). */
export function sameChange(left: KillSwitchRecord | undefined, right: KillSwitchRecord | undefined): boolean {
  return (
    left?.version === right?.version &&
    left?.active === right?.active &&
    left?.changedAt === right?.changedAt &&
    left?.reason === right?.reason
  );
}
