import {
  AccessDeniedError,
  type ApprovalFilter,
  ApprovalNotFoundError,
  type ApprovalRecord,
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalStore,
  type ApprovalWorkflow,
  approvalFilterSchema,
  approvalIdSchema,
  approvalRequestSchema,
  assertSpecification,
  ConflictError,
  decisionReasonSchema,
  emitSafely,
  parseInput,
  principalSchema,
  type SecurityEventInput,
} from '@warden/core';
import {
  type ApprovalAction,
  approvalIdentityKey,
  isApprovalOverdue,
  openApprovalRecord,
  settleApprovalTimeout,
  stepApproval,
} from '@warden/core/approval';
import { approvedRecordCovers, assertPayloadIntact } from './approval-record-integrity.js';
import {
  type ApprovalWorkflowConfig,
  type ResolvedWorkflowSettings,
  resolveWorkflowSettings,
} from './approval-workflow-config.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

/** The workflow `createApprovalWorkflow` returns: the port with its optional methods. */
export interface StoreBackedApprovalWorkflow extends ApprovalWorkflow {
  /** Withdraws a pending request; the requester or an eligible approver may. */
  cancel(requestId: string, actor: string): Promise<ApprovalStatus>;
  /** Expires (or escalates) every overdue pending request; returns how many changed. */
  expireDue(): Promise<number>;
}

interface UpdateOutcome {
  record: ApprovalRecord;
  changed: boolean;
}

/**
 * Creates an {@link ApprovalWorkflow} over an {@link ApprovalStore} (in memory unless one is
 * given). Every change is a compare-and-set retried on conflict, so concurrent approvals across
 * processes sharing a store count each approver once and approve exactly once.
 *
 * @example
 * const workflow = createApprovalWorkflow({ tiers: { 'security-review': { approvers: ['sam', 'sue'] } } });
 * const id = await workflow.request({ requester: 'alice', description: 'rotate keys', tier: 'security-review' });
 * await workflow.approve(id, 'sam'); // 'pending'
 * await workflow.approve(id, 'sue'); // 'approved'
 * @throws `InvalidInputError` for invalid config, naming the field.
 */
export function createApprovalWorkflow(config: ApprovalWorkflowConfig = {}): StoreBackedApprovalWorkflow {
  const resolved = resolveWorkflowSettings(config);
  const store = assertSpecification(
    resolved.store ?? createMemoryApprovalStore(),
    'approval-store-v1',
    'approval store',
  );
  const update = createUpdater(store, resolved);
  const decide = async (requestId: string, action: ApprovalAction): Promise<ApprovalStatus> =>
    (await update(requestId, action)).record.status;

  return {
    specificationVersion: 'approval-workflow-v1',
    providerId: `store:${store.providerId}`,
    async request(request: ApprovalRequest) {
      const valid = parseInput(approvalRequestSchema, request, 'approval request');
      const id = parseInput(approvalIdSchema, resolved.generateId(), 'generated request id');
      const step = openApprovalRecord({ id, request: valid, now: resolved.now(), policies: resolved.policies });
      await store.create(step.record);
      emitAll(resolved, step.events);
      return id;
    },
    approve: async (requestId, approver) =>
      decide(validId(requestId), { type: 'approve', approver: validPrincipal(approver, 'approver') }),
    reject: async (requestId, approver, reason) =>
      decide(validId(requestId), {
        type: 'reject',
        approver: validPrincipal(approver, 'approver'),
        reason: parseInput(decisionReasonSchema, reason, 'rejection reason'),
      }),
    cancel: async (requestId, actor) =>
      decide(validId(requestId), { type: 'cancel', actor: validPrincipal(actor, 'actor') }),
    getStatus: async (requestId) => (await update(validId(requestId))).record.status,
    get: async (requestId) => (await update(validId(requestId))).record,
    async listPending(given: ApprovalFilter = {}) {
      const filter = parseInput(approvalFilterSchema, given, 'approval filter');
      const escalates = Object.values(resolved.policies).some((policy) => policy.escalate);
      // An escalation can move a request into the tier asked for, so fetch every tier then.
      const fetchFilter = escalates && filter.tier ? omitTier(filter) : filter;
      const records = await store.listPending(fetchFilter);
      const time = resolved.now();
      const settled = await Promise.all(records.map((record) => settleIfDue(record, update, store, time)));
      return settled.filter((record) => record.status === 'pending' && (!filter.tier || record.tier === filter.tier));
    },
    async expireDue() {
      const time = resolved.now();
      const overdue = (await store.listPending()).filter((record) => isApprovalOverdue(record, time));
      const outcomes = await Promise.all(
        overdue.map(async (record) => {
          const outcome = await update(record.id);
          await readBackExpired(store, outcome.record);
          return outcome;
        }),
      );
      return outcomes.filter((outcome) => outcome.changed).length;
    },
    async isApprovedFor(requestId, payload) {
      return approvedRecordCovers((await update(validId(requestId))).record, payload, resolved.identities);
    },
  };
}

/**
 * Returns the one function that changes records: read, settle timeouts, check eligibility,
 * apply the action, compare-and-set; on a lost race, start again from a fresh read.
 */
function createUpdater(
  store: ApprovalStore,
  settings: ResolvedWorkflowSettings,
): (requestId: string, action?: ApprovalAction) => Promise<UpdateOutcome> {
  return async (requestId, action) => {
    for (let attempt = 0; attempt < settings.maxAttempts; attempt += 1) {
      const current = await store.get(requestId);
      if (!current) throw new ApprovalNotFoundError({ id: requestId });
      if (action) assertPayloadIntact(current);
      const time = settings.now();
      const denial = action ? await checkEligibility(current, action, time, settings) : undefined;
      const step = denial
        ? { ...stepApproval(current, undefined, time, settings.policies, settings.identities), error: denial }
        : stepApproval(current, action, time, settings.policies, settings.identities);
      const changed = step.record !== current;
      if (changed && !(await store.compareAndSet(requestId, current.version, step.record))) continue;
      emitAll(settings, step.events);
      if (step.error !== undefined) throw step.error;
      return { record: step.record, changed };
    }
    throw new ConflictError({
      message: `Approval request "${requestId}" kept changing underneath; gave up after ${settings.maxAttempts} attempts`,
    });
  };
}

/**
 * Asks the tier's resolver whether the person may act, at the tier the request has after its
 * timeouts settle. The requester may always cancel; their approving or rejecting is refused by
 * the state machine itself. A resolver that throws denies (fail closed).
 */
async function checkEligibility(
  current: ApprovalRecord,
  action: ApprovalAction,
  time: number,
  settings: ResolvedWorkflowSettings,
): Promise<AccessDeniedError | undefined> {
  const settled = settleApprovalTimeout(current, time, settings.policies).record;
  const person = action.type === 'cancel' ? action.actor : action.approver;
  const isRequester =
    approvalIdentityKey(person, settings.identities) === approvalIdentityKey(settled.requester, settings.identities);
  if (settled.status !== 'pending' || isRequester) return undefined;
  let eligible = false;
  let cause: unknown;
  try {
    // The resolver gets a copy: `settled` may be the very record about to be stepped and
    // stored, and a resolver that wrote to it (quorum, requester, decisions) would forge the
    // decision it was only asked to allow.
    eligible = (await settings.resolvers[settled.tier](person, structuredClone(settled))) === true;
  } catch (error) {
    cause = error;
  }
  if (eligible) return undefined;
  return new AccessDeniedError({
    message: `"${person}" is not an eligible approver for ${settled.tier} request "${settled.id}"`,
    cause,
  });
}

async function settleIfDue(
  record: ApprovalRecord,
  update: (requestId: string) => Promise<UpdateOutcome>,
  store: ApprovalStore,
  time: number,
): Promise<ApprovalRecord> {
  if (!isApprovalOverdue(record, time)) return record;
  const settled = (await update(record.id)).record;
  await readBackExpired(store, settled);
  return settled;
}

/**
 * Reads back a request the workflow expired while listing or sweeping. The built-in stores start
 * a decided record's retention when it is written; a store that starts it at the first read
 * (such as an earlier release's) would otherwise keep the requests a peer with self-made keys
 * files and leaves to expire (a gateway's queue, refilled each day) for ever.
 */
async function readBackExpired(store: ApprovalStore, record: ApprovalRecord): Promise<void> {
  if (record.status === 'expired') await store.get(record.id);
}

/**
 * Publishes the events of a change that is already stored. An emitter that throws (a custom
 * one whose audit sink is down) must not turn a stored approval into a reported failure: the
 * caller would retry or give up on a request that is in fact approved, or lose the id of one
 * that is in fact filed. Core's emitter never throws; others are held to the same.
 */
/** Emits each event; the change is stored, so a failing event sink neither undoes nor hides it. */
function emitAll(settings: ResolvedWorkflowSettings, events: SecurityEventInput[]): void {
  for (const event of events) emitSafely(settings.events, event);
}

function omitTier(filter: ApprovalFilter): ApprovalFilter {
  return filter.requester === undefined ? {} : { requester: filter.requester };
}

function validId(requestId: string): string {
  return parseInput(approvalIdSchema, requestId, 'approval request id');
}

function validPrincipal(name: string, what: string): string {
  // Core's schema refuses a name that shows nobody or hides who it is (control characters, line separators, only invisible characters).
  return parseInput(principalSchema, name, what);
}
