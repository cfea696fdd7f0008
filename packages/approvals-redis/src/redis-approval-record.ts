import { APPROVAL_TIERS, type ApprovalRecord, type ApprovalTier, BackendUnavailableError } from '@warden/core';
import { MAX_APPROVAL_QUORUM } from '@warden/core/approval';
import { z } from 'zod';

/** What a record's hash holds besides the JSON: the fields the Lua scripts decide by. */
export interface StoredRecordFields {
  /** The record as JSON. */
  data: unknown;
  /** The status the hold check reads. */
  status: unknown;
  /** The version compare-and-set compares. */
  version: unknown;
}

const tier = z.enum(APPROVAL_TIERS as [ApprovalTier, ...ApprovalTier[]]);
const text = z.string();

const decisionSchema = z
  .object({
    approver: text,
    decision: z.enum(['approve', 'reject']),
    at: text,
    reason: text.optional(),
    tier: tier.optional(),
  })
  .loose();

/**
 * The shape this store writes. Loose, so that a field a newer release adds survives a
 * compare-and-set by an older one; every field the state machine reads is checked, since one of
 * the wrong type either answers as an approval (`status: 'approved'` with no decisions) or makes
 * the workflow throw an untyped `TypeError` (`decisions: 'bob'`).
 */
const recordSchema = z
  .object({
    id: text,
    requester: text,
    description: text,
    tier,
    status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']),
    quorum: z.number().int().min(0).max(MAX_APPROVAL_QUORUM),
    createdAt: text,
    expiresAt: text.nullable(),
    payloadDigest: text.optional(),
    payload: z.unknown().optional(),
    decisions: z.array(decisionSchema),
    decidedAt: text.optional(),
    decidedBy: text.optional(),
    reason: text.optional(),
    escalatedFrom: z.array(tier).optional(),
    version: z.number().int().min(1),
  })
  .loose();

/**
 * Reads a stored record back. What Redis holds is not trusted to be what this store wrote: a
 * fault may have truncated it and anyone who can write to Redis may have replaced it. Unparsable
 * data, a record of the wrong shape, a record stored under another request's key (which would
 * answer for this id with that request's status and payload digest), or JSON that disagrees with
 * the status and version the scripts decide by (an "approved" record the hold check sees as
 * pending is never held, hence never dropped) is a typed `BackendUnavailableError`.
 */
export function decodeRecord(stored: StoredRecordFields, id: string): ApprovalRecord {
  let data: unknown;
  try {
    data = JSON.parse(String(stored.data));
  } catch (error) {
    throw malformedRecord(id, 'it is not JSON', error);
  }
  const parsed = recordSchema.safeParse(data);
  if (!parsed.success) throw malformedRecord(id, 'it is not an approval record', parsed.error);
  const record = parsed.data as ApprovalRecord;
  if (record.id !== id) throw malformedRecord(id, 'it is the record of another request');
  if (stored.status !== record.status || stored.version !== String(record.version)) {
    throw malformedRecord(id, 'its status or version disagrees with the fields Redis decides by');
  }
  return record;
}

function malformedRecord(id: string, problem: string, cause?: unknown): BackendUnavailableError {
  return new BackendUnavailableError({
    backend: 'redis',
    message: `Redis approval store holds a malformed record for "${id}": ${problem}`,
    cause,
  });
}
