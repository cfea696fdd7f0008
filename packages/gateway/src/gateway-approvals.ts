import {
  AccessDeniedError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  type ApprovalRecord,
  type ApprovalWorkflow,
  BackendUnavailableError,
  WardenError,
  type WardenErrorCode,
} from '@warden/core';
import { approvalCoversPayload } from '@warden/core/approval';
import type { GatewayContext } from './gateway-context.js';
import {
  block,
  type Delivery,
  deliver,
  isRefusal,
  refusal,
  refusalBeforeDelivery,
  workflowFailure,
} from './gateway-delivery.js';
import { checkForward, describeSource, isSender } from './gateway-forward-checks.js';
import {
  FORWARD_PAYLOAD_KIND,
  type ForwardPayload,
  forwardPayloadOf,
  forwardRequestOf,
} from './gateway-forward-payload.js';
import { listPendingPage, refuseWhenFull } from './gateway-queue.js';
import type {
  ForwardRequest,
  ForwardRequestInput,
  ForwardResult,
  InjectFunction,
  PendingRequestPage,
  PendingRequestQuery,
} from './gateway-types.js';

/**
 * Checks a request against the forward rules and the queue's bounds, files it with the
 * workflow and returns it; throws when refused (`AccessDeniedError`, `QuotaExceededError`,
 * `RateLimitedError`) and whatever the workflow throws.
 */
export async function queueForApproval(context: GatewayContext, input: ForwardRequestInput): Promise<ForwardRequest> {
  const { id, payload } = await fileForApproval(context, input);
  return view(context, await requireWorkflow(context).get(id), payload);
}

/**
 * What {@link queueForApproval} does short of reading the filed request back: the id and the
 * payload filed. `forwardRequest` needs no more, and a read that failed after the request was
 * filed would report a queued request as refused (and its sender would queue it again).
 */
export async function fileForApproval(
  context: GatewayContext,
  input: ForwardRequestInput,
): Promise<{ id: string; payload: ForwardPayload }> {
  const workflow = requireWorkflow(context);
  const check = checkForward(context.engine(), input, context.gatewayTrustLevel);
  if (!check.allowed) throw new AccessDeniedError({ message: check.reason });
  const rules = check.rules;
  const payload: ForwardPayload = {
    kind: FORWARD_PAYLOAD_KIND,
    gatewaySession: input.gatewaySession,
    targetSession: input.targetSession,
    message: input.message,
    originalSource: input.originalSource,
    forwardedSource: check.forwardedSource,
  };
  if (input.actionType !== undefined) payload.actionType = input.actionType;
  // Counting and filing happen under one lock, so concurrent requests cannot all pass one count.
  const id = await context.admit(async () => {
    await refuseWhenFull({
      workflow,
      counts: context.queueCounts,
      rateLimiter: context.rateLimiter,
      sourceRateLimiter: context.sourceRateLimiter,
      limits: context.queueLimits,
      rules,
      payload,
    });
    const queued = await workflow.request({
      requester: describeSource(input.originalSource),
      description: `Forward ${input.actionType ?? 'a message'} from ${describeSource(input.originalSource)} through ${input.gatewaySession} to ${input.targetSession}`,
      tier: context.approvalTier,
      payload,
    });
    context.queueCounts.queued(payload.gatewaySession);
    return queued;
  });
  return { id, payload };
}

/** Records an approval; a request it fully approves waits for `approveAndExecute` to deliver it. */
export async function approveRequest(
  context: GatewayContext,
  requestId: string,
  approver: string,
): Promise<ForwardRequest | null> {
  const workflow = requireWorkflow(context);
  const found = await findForward(workflow, requestId);
  if (!found) return null;
  refuseSender(requestId, found.payload, approver, 'approve');
  const status = await nullWhenUndecidable(() => workflow.approve(requestId, approver));
  context.queueCounts.forget();
  if (status === null) return null;
  // Only a request this gateway has no delivery entry for becomes deliverable: a workflow that
  // answers "approved" again for an approved request (the port says it must throw) would
  // otherwise turn a delivered request back into one awaiting delivery, and deliver it twice.
  if (status === 'approved' && context.ledger.get(requestId) === undefined) {
    context.ledger.set(requestId, { state: 'awaiting-execution' });
  }
  return view(context, await workflow.get(requestId), found.payload);
}

/** Rejects with a reason, which the request keeps. */
export async function rejectRequest(
  context: GatewayContext,
  requestId: string,
  approver: string,
  reason: string,
): Promise<ForwardRequest | null> {
  const workflow = requireWorkflow(context);
  const found = await findForward(workflow, requestId);
  if (!found) return null;
  refuseSender(requestId, found.payload, approver, 'reject');
  const rejected = await nullWhenUndecidable(() => workflow.reject(requestId, approver, reason));
  context.queueCounts.forget();
  if (rejected === null) return null;
  return view(context, await workflow.get(requestId), found.payload);
}

/** Requests still pending in the workflow: an approved, rejected or expired one never shows here. */
export async function getPendingRequests(context: GatewayContext, gatewaySession?: string): Promise<ForwardRequest[]> {
  if (!context.workflow) return [];
  const pending: ForwardRequest[] = [];
  for (const record of await context.workflow.listPending()) {
    const payload = forwardPayloadOf(record);
    if (payload && (gatewaySession === undefined || payload.gatewaySession === gatewaySession)) {
      pending.push(forwardRequestOf(record, payload));
    }
  }
  return pending;
}

/** One page of the requests still pending, oldest first. */
export async function listPendingRequests(
  context: GatewayContext,
  query: PendingRequestQuery = {},
): Promise<PendingRequestPage> {
  if (!context.workflow) return listPendingPage([], query);
  return listPendingPage(await context.workflow.listPending(), query);
}

/** One request, with its delivery state, or `null`. */
export async function getRequest(context: GatewayContext, requestId: string): Promise<ForwardRequest | null> {
  if (!context.workflow) return null;
  const found = await findForward(context.workflow, requestId);
  return found ? view(context, found.record, found.payload) : null;
}

/**
 * Approves, and delivers when this approval completes the quorum (or when this gateway holds the
 * request approved but not yet delivered). Policy and the kill switch are checked before the
 * approval is recorded, and again with the rate limit right before delivery.
 */
export async function approveAndExecute(
  context: GatewayContext,
  requestId: string,
  approver: string,
  injectFn: InjectFunction | undefined,
): Promise<ForwardResult> {
  if (!context.workflow) return failed(requestId, 'BACKEND_UNAVAILABLE', 'No approval workflow is configured');
  const workflow = context.workflow;
  let found: Awaited<ReturnType<typeof findForward>>;
  try {
    found = await findForward(workflow, requestId);
  } catch (error) {
    // A malformed id (INVALID_INPUT) or a store that is down: a result like every other refusal.
    const failure = workflowFailure(error);
    return failed(requestId, failure.code, failure.reason);
  }
  if (!found) return failed(requestId, 'APPROVAL_NOT_FOUND', `No gateway request "${requestId}"`);
  if (isSender(found.payload.originalSource, approver)) {
    return failed(requestId, 'ACCESS_DENIED', senderMessage(requestId, 'approve'));
  }
  const delivery = deliveryOf(requestId, found.payload);
  if (found.record.status === 'pending') {
    const check = await refusalBeforeDelivery(context, delivery);
    if (isRefusal(check)) return block(context, delivery, check);
  }
  let status: string;
  try {
    status = await workflow.approve(requestId, approver);
  } catch (error) {
    const heldHere = context.ledger.get(requestId)?.state === 'awaiting-execution';
    if (!(ApprovalNotPendingError.isInstance(error) && error.status === 'approved' && heldHere)) {
      // The workflow's own code (APPROVAL_NOT_PENDING, ACCESS_DENIED for self-approval…); a
      // workflow that fails with anything else is a backend that failed.
      const code = WardenError.isInstance(error) ? error.code : 'BACKEND_UNAVAILABLE';
      return failed(requestId, code, error instanceof Error ? error.message : String(error));
    }
    status = 'approved';
  } finally {
    context.queueCounts.forget();
  }
  if (status !== 'approved') {
    return { success: false, requiresApproval: true, error: 'Waiting for more approvals', requestId };
  }
  if (context.ledger.get(requestId) === undefined) context.ledger.set(requestId, { state: 'awaiting-execution' });
  return executeApproved(context, workflow, { delivery, payload: found.payload }, injectFn);
}

/**
 * Delivers an approved request once: the synchronous claim makes a concurrent second call give
 * up. `payload` is what `delivery` was built from; the approval must cover exactly that.
 */
async function executeApproved(
  context: GatewayContext,
  workflow: ApprovalWorkflow,
  { delivery, payload }: { delivery: Delivery; payload: ForwardPayload },
  injectFn: InjectFunction | undefined,
): Promise<ForwardResult> {
  const { requestId } = delivery;
  if (!context.ledger.claim(requestId)) {
    const reason = `Request "${requestId}" was already delivered or is being delivered`;
    return failed(requestId, 'APPROVAL_NOT_PENDING', reason);
  }
  let record: ApprovalRecord;
  try {
    record = await workflow.get(requestId);
  } catch (error) {
    // Nothing was handed over: the request waits to be retried. Left "executing", it could
    // never be delivered again, as the claim above refuses every later call.
    context.ledger.set(requestId, { state: 'awaiting-execution' });
    return block(context, delivery, workflowFailure(error));
  }
  // Check the payload that is about to be delivered, read before the approval, against the
  // approved digest: checking this later read against itself let a payload changed in a shared
  // store for the first read and put back for this one be delivered unapproved.
  if (!approvalCoversPayload(record, payload)) {
    context.ledger.set(requestId, { state: 'failed' });
    const reason = 'The approval does not cover this request: its payload changed';
    return block(context, delivery, refusal('ACCESS_DENIED', reason));
  }
  const outcome = await deliver(context, { ...delivery, approvedBy: approversOf(record) }, injectFn);
  // A refusal before the inject call may be retried later; once handed over, never again.
  const state = outcome.result.success ? 'executed' : outcome.attempted ? 'failed' : 'awaiting-execution';
  context.ledger.set(requestId, { state, result: outcome.result });
  return outcome.result;
}

/** Throws `AccessDeniedError` when `approver` is the request's sender under any of its names. */
function refuseSender(
  requestId: string,
  payload: ForwardPayload,
  approver: string,
  action: 'approve' | 'reject',
): void {
  if (isSender(payload.originalSource, approver)) {
    throw new AccessDeniedError({ message: senderMessage(requestId, action) });
  }
}

function senderMessage(requestId: string, action: 'approve' | 'reject'): string {
  return `The sender of request "${requestId}" cannot ${action} it (separation of duties)`;
}

/** A failed result without a `gateway_blocked` event: the request itself could not be acted on. */
function failed(requestId: string, code: WardenErrorCode, error: string): ForwardResult {
  return { success: false, code, error, requestId };
}

function deliveryOf(requestId: string, payload: ForwardPayload): Delivery {
  return {
    requestId,
    gatewaySession: payload.gatewaySession,
    targetSession: payload.targetSession,
    message: payload.message,
    originalSource: payload.originalSource,
    actionType: payload.actionType,
  };
}

async function findForward(
  workflow: ApprovalWorkflow,
  requestId: string,
): Promise<{ record: ApprovalRecord; payload: ForwardPayload } | undefined> {
  let record: ApprovalRecord;
  try {
    record = await workflow.get(requestId);
  } catch (error) {
    if (ApprovalNotFoundError.isInstance(error)) return undefined;
    throw error;
  }
  const payload = forwardPayloadOf(record);
  return payload ? { record, payload } : undefined;
}

async function nullWhenUndecidable<Value>(decide: () => Promise<Value>): Promise<Value | null> {
  try {
    return await decide();
  } catch (error) {
    if (ApprovalNotPendingError.isInstance(error) || ApprovalNotFoundError.isInstance(error)) return null;
    throw error;
  }
}

function view(context: GatewayContext, record: ApprovalRecord, payload: ForwardPayload): ForwardRequest {
  const request = forwardRequestOf(record, payload);
  const entry = context.ledger.get(record.id);
  if (entry?.state === 'executed') request.status = 'executed';
  if (entry?.state === 'failed') {
    request.status = 'failed';
    if (entry.result?.error !== undefined) request.reason = entry.result.error;
  }
  return request;
}

function approversOf(record: ApprovalRecord): string[] {
  return record.decisions.filter((decision) => decision.decision === 'approve').map((decision) => decision.approver);
}

function requireWorkflow(context: GatewayContext): ApprovalWorkflow {
  if (context.workflow) return context.workflow;
  throw new BackendUnavailableError({
    backend: 'approval-workflow',
    message: 'No approval workflow is configured for this gateway: pass `workflow` to createGateway',
  });
}
