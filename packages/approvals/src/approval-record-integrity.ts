import { AccessDeniedError, type ApprovalRecord, computePayloadDigest } from '@warden/core';
import { type ApprovalIdentityOptions, approvalCoversPayload, countApprovals } from '@warden/core/approval';

/**
 * True when the record's payload is still the one its digest was computed from. The workflow
 * never writes one without the other, so a mismatch means the store was written behind its back.
 */
function payloadIntact(record: ApprovalRecord): boolean {
  if (record.payload === undefined) return record.payloadDigest === undefined;
  try {
    return computePayloadDigest(record.payload) === record.payloadDigest;
  } catch {
    return false;
  }
}

/**
 * Refuses a decision on a record whose payload no longer matches its digest: approving it would
 * bind the approval to the digest of a payload the approver was not shown.
 *
 * @throws `AccessDeniedError` naming the request.
 */
export function assertPayloadIntact(record: ApprovalRecord): void {
  if (payloadIntact(record)) return;
  throw new AccessDeniedError({
    message: `Approval request "${record.id}" cannot be decided: its payload changed in the store after it was filed (it no longer matches its digest)`,
  });
}

/**
 * `approvalCoversPayload`, and the record really is approved: its payload still matches its
 * digest, and its quorum is met by distinct approvers at its tier other than the requester. A
 * status flipped to `approved` in the store, or an approval recorded under a variant of the
 * requester's own name, covers nothing.
 */
export function approvedRecordCovers(
  record: ApprovalRecord,
  payload: unknown,
  identities: ApprovalIdentityOptions,
): boolean {
  return (
    approvalCoversPayload(record, payload) &&
    payloadIntact(record) &&
    countApprovals(record, identities) >= record.quorum
  );
}
