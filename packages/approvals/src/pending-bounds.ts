import { type ApprovalRecord, type ApprovalStore, QuotaExceededError } from '@warden/core';
import { type ApprovalIdentityOptions, approvalIdentityKey, isApprovalOverdue } from '@warden/core/approval';

/** How many pending requests a workflow holds. */
export interface PendingBounds {
  /** Pending requests in all. */
  maxPending: number;
  /** Pending requests of one requester (told apart as people are, by their identity key). */
  maxPendingPerRequester: number;
}

/**
 * Throws `QuotaExceededError` when filing `record` would hold more pending requests than the
 * bounds allow: a requester files as many requests as they like for free, and pending requests
 * are never dropped, so without a bound one of them fills the store and every approver's list.
 * Requests past their deadline do not count (they are expired, only not yet swept), and a refusal
 * evicts nothing. Requesters are counted by identity key, so `alice` cannot add another hundred
 * as `Alice ` or `a\u200Blice`.
 */
export async function refuseWhenQueueFull(
  store: ApprovalStore,
  record: ApprovalRecord,
  bounds: PendingBounds,
  time: number,
  identities: ApprovalIdentityOptions,
): Promise<void> {
  const pending = (await store.listPending()).filter((held) => !isApprovalOverdue(held, time));
  if (pending.length >= bounds.maxPending) {
    throw new QuotaExceededError({
      message: `The approval queue is full: ${bounds.maxPending} requests are pending in all; nothing was filed`,
    });
  }
  const requester = approvalIdentityKey(record.requester, identities);
  const own = pending.filter((held) => approvalIdentityKey(held.requester, identities) === requester).length;
  if (own >= bounds.maxPendingPerRequester) {
    throw new QuotaExceededError({
      message: `"${record.requester}" already has ${bounds.maxPendingPerRequester} pending requests; nothing was filed`,
    });
  }
}

/**
 * Runs admissions one at a time within this workflow, so that concurrent `request` calls cannot
 * all pass one count before any of them is stored.
 */
export function createAdmissionQueue(): <Value>(task: () => Promise<Value>) => Promise<Value> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
