import { isPlainLine, isWellFormedText, MAX_KILL_SWITCH_REASON_LENGTH } from '@warden/core';
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
  /**
   * A signed change's basis: the version of the record it replaced, or its own version when it
   * replaced none it could read. A signed release counts only over every activation already seen.
   */
  basis?: number;
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
  /**
   * With `verifyKey` only: the operator signed this entry for this switch AND it fits the signed
   * entries before it (a higher version; a release's basis at least every signed activation
   * listed before it). A signature proves who wrote a record, not that it took effect: a release
   * that lost its race was signed too.
   */
  signed?: boolean;
  /** With `verifyKey` only: this instance itself held this very record (version and signature) as the state. */
  tookEffect?: boolean;
}

/**
 * What a read of the state hash found: a record, no record at all (first deployment, data loss,
 * wrong database: unknown), or one nobody can parse (unknown too).
 */
export type KillSwitchReading =
  | { kind: 'record'; record: KillSwitchRecord }
  | { kind: 'missing' }
  | { kind: 'malformed' };

// No longer than a change writes: activate() refuses a reason over 1,000 characters and an actor
// over 200 (core's schemas), and a time is a Date's ISO form (27 at most: +275760-09-13T00:00:00.000Z).
// Anything longer was written by hand, to fill events and logs with a forger's text: it is a record
// nobody can parse, like one holding a control character.
const REASON_MAX = MAX_KILL_SWITCH_REASON_LENGTH;
const ACTOR_MAX = 200;
const CHANGED_AT_MAX = 27;
const SIGNATURE_MAX = 200;

/** A version as the change script writes it: digits without a leading zero, at most 16 (then checked safe). */
const CANONICAL_VERSION = /^(?:0|[1-9][0-9]{0,15})$/;

// Only a version the change script reads as one: it bumps digits alone and numbers anything else
// as no version (the next change is 1). A reader coercing "1e15", " 5" or "0x10" held a number the
// writer never saw, and an empty field read as version 0.
const versionSchema = z.unknown().transform((value, context) => {
  const version = versionAsWritten(value);
  if (version !== undefined) return version;
  context.addIssue({ code: 'custom', message: 'must be a version as the change script writes it' });
  return z.NEVER;
});

// Everything read back from Redis is untrusted: anyone with access to the server can write it.
const storedSchema = z.object({
  version: versionSchema,
  active: z.union([z.boolean(), z.enum(['0', '1'])]),
  reason: z.string().max(REASON_MAX).optional(),
  actor: z.string().max(ACTOR_MAX).optional(),
  changedAt: z.string().max(CHANGED_AT_MAX).optional(),
  signature: z.string().max(SIGNATURE_MAX).optional(),
  // Unsigned changes store an empty basis.
  basis: z.union([z.literal(''), versionSchema]).optional(),
});
type Stored = z.infer<typeof storedSchema>;

const isOptionalText = (value: unknown, max: number): boolean =>
  value === undefined || (typeof value === 'string' && value.length <= max);

/** A version as the script writes it (canonical text or a safe integer); `undefined` for anything else. */
function versionAsWritten(value: unknown): number | undefined {
  if (typeof value === 'string' && CANONICAL_VERSION.test(value)) {
    const version = Number(value);
    return Number.isSafeInteger(version) ? version : undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return undefined;
}

/**
 * The common case without zod: a record exactly as the change script writes it. Every process
 * parses each change it sees, and on a busy host zod's (cold) code cost more per change than
 * the rest of the handling together. It accepts only records {@link storedSchema} accepts too,
 * with the same result; anything else (`undefined`) goes to the schema, which stays the rule.
 */
function storedAsWritten(value: unknown): Stored | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, active, reason, actor, changedAt, signature, basis } = value as Record<string, unknown>;
  const versionNumber = versionAsWritten(version);
  if (versionNumber === undefined) return undefined;
  const basisNumber = basis === undefined || basis === '' ? basis : versionAsWritten(basis);
  if (basisNumber === undefined && basis !== undefined) return undefined;
  if (active !== '0' && active !== '1' && active !== true && active !== false) return undefined;
  if (!isOptionalText(reason, REASON_MAX) || !isOptionalText(actor, ACTOR_MAX)) return undefined;
  if (!isOptionalText(changedAt, CHANGED_AT_MAX) || !isOptionalText(signature, SIGNATURE_MAX)) return undefined;
  return { version: versionNumber, active, reason, actor, changedAt, signature, basis: basisNumber } as Stored;
}

/**
 * True when a stored text holds what `activate()` and `deactivate()` refuse (core's
 * {@link isPlainLine}, the very predicate their schemas use: control characters, line
 * separators, bidirectional controls): no change this adapter makes writes one, so only
 * someone writing Redis by hand does, to forge lines in events and `getState()` readers. Such a
 * record is judged malformed (unknown: it denies) rather than cleaned: cleaning would pass the
 * forger's words on as the operator's, and would alter what a signature covers.
 */
const holdsForgedText = (stored: Stored): boolean =>
  [stored.reason, stored.actor, stored.changedAt, stored.signature].some(
    // A lone surrogate (core's isWellFormedText) never comes from a change: activate() refuses it,
    // and Redis could not store it (it would read back U+FFFD, and a signed activation would read
    // as unsigned). Only an entry written by hand with an escaped "\ud800" holds one.
    (text) => text !== undefined && (!isPlainLine(text) || !isWellFormedText(text)),
  );

function toRecord(value: unknown): KillSwitchRecord | undefined {
  let stored = storedAsWritten(value);
  if (!stored) {
    const result = storedSchema.safeParse(value);
    if (!result.success) return undefined;
    stored = result.data;
  }
  if (holdsForgedText(stored)) return undefined;
  const active = stored.active === true || stored.active === '1';
  return {
    version: stored.version,
    active,
    ...(active && stored.reason ? { reason: stored.reason } : {}),
    ...(stored.actor ? { actor: stored.actor } : {}),
    ...(stored.changedAt ? { changedAt: stored.changedAt } : {}),
    ...(stored.signature ? { signature: stored.signature } : {}),
    ...(typeof stored.basis === 'number' ? { basis: stored.basis } : {}),
  };
}

/** @internal For the test that pins the fast path to the schema. */
export function recordFromValueBySchemaOnly(value: unknown): KillSwitchRecord | undefined {
  const result = storedSchema.safeParse(value);
  if (!result.success) return undefined;
  return toRecord(result.data);
}

/** Reads the state hash (`HGETALL`): an empty hash is missing, never "inactive". */
export function readingFromHash(hash: Record<string, string>): KillSwitchReading {
  if (Object.keys(hash).length === 0) return { kind: 'missing' };
  const record = toRecord(hash);
  return record ? { kind: 'record', record } : { kind: 'malformed' };
}

/**
 * Reads the record a change appended to the change stream (the script appends what it wrote,
 * signature included); `undefined` when the entry holds anything else. Anyone who can write the
 * switch's keys can append one: it is taken only where it cannot lift a stop.
 */
export function recordFromEntry(payload: string): KillSwitchRecord | undefined {
  if (!payload.startsWith('{')) return undefined;
  try {
    return toRecord(JSON.parse(payload));
  } catch {
    return undefined;
  }
}

/**
 * Reads a history entry as the record the change wrote (signature included); `undefined` when
 * malformed. Anyone who can `LPUSH` can add one: it is untrusted until verified.
 */
export function historyRecordFromJson(json: string): KillSwitchRecord | undefined {
  try {
    return toRecord(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Reads a history entry as `getHistory()` lists it; `undefined` when malformed. */
export function historyEntryFromJson(json: string): KillSwitchHistoryEntry | undefined {
  const record = historyRecordFromJson(json);
  return record && historyEntryFromRecord(record);
}

/** A history record as `getHistory()` lists it (no signature, no basis); `undefined` without a time. */
export function historyEntryFromRecord(
  record: KillSwitchRecord,
  verdict?: { signed: boolean; tookEffect: boolean },
): KillSwitchHistoryEntry | undefined {
  if (!record.changedAt) return undefined;
  const { signature: _signature, basis: _basis, ...entry } = record;
  return { ...entry, changedAt: record.changedAt, ...(verdict ?? {}) };
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

/** True when two records are identical in every field the operator signs, and in the signature. */
export function sameRecord(left: KillSwitchRecord, right: KillSwitchRecord): boolean {
  return (
    left.version === right.version &&
    left.active === right.active &&
    (left.reason ?? '') === (right.reason ?? '') &&
    (left.actor ?? '') === (right.actor ?? '') &&
    (left.changedAt ?? '') === (right.changedAt ?? '') &&
    (left.signature ?? '') === (right.signature ?? '') &&
    left.basis === right.basis
  );
}
