import {
  AccessDeniedError,
  type ApprovalFilter,
  ApprovalNotFoundError,
  type ApprovalRecord,
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalTier,
  type ApprovalWorkflow,
  approvalFilterSchema,
  approvalIdSchema,
  approvalRequestSchema,
  type Clock,
  decisionReasonSchema,
  parseInput,
  principalSchema,
  type SecurityEventEmitter,
  type SecurityEventInput,
  systemClock,
} from '@warden/core';
import {
  type ApprovalAction,
  type ApprovalTierPolicy,
  approvalCoversPayload,
  openApprovalRecord,
  resolveApprovalPolicies,
  stepApproval,
} from '@warden/core/approval';
import { readStubConfig } from './stub-config.js';

/** Configuration of {@link createStubApprovalWorkflow}. */
export interface StubApprovalWorkflowConfig {
  /** Time source. @default Date.now */
  now?: Clock;
  /** Per-tier policy overrides (quorum, `ttlMs`, `escalate`). @default core's defaults: quorums 0/1/1/2, 24 h, no escalation */
  tiers?: Partial<Record<ApprovalTier, Partial<ApprovalTierPolicy>>>;
  /**
   * Who may approve, reject or cancel besides the requester: only `true` admits, and one that
   * throws denies (`ACCESS_DENIED`, with the error as its cause). It is given a copy of the record.
   * @default anyone but the requester
   */
  isEligible?: (approver: string, record: ApprovalRecord) => boolean;
  /** Receives an `approval_*` event per transition. */
  events?: SecurityEventEmitter;
}

/** The in-memory approval workflow, with every optional method. */
export interface StubApprovalWorkflow extends ApprovalWorkflow {
  /** Withdraws a pending request (the requester or an eligible approver). */
  cancel(requestId: string, actor: string): Promise<ApprovalStatus>;
  /** Expires or escalates every overdue pending request; returns how many changed. */
  expireDue(): Promise<number>;
}

/**
 * Creates an in-memory {@link ApprovalWorkflow} for tests and the embedded default. It decides
 * exactly like `@warden/approvals` (the same state machine from core: quorum, separation of
 * duties, rejection reasons, payload digests, expiry) within one process.
 *
 * @example
 * const approvals = createStubApprovalWorkflow();
 * const id = await approvals.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
 * await approvals.approve(id, 'bob'); // 'approved'
 */
export function createStubApprovalWorkflow(options?: StubApprovalWorkflowConfig): StubApprovalWorkflow {
  const config = readStubConfig(options, 'createStubApprovalWorkflow', {
    now: 'function',
    tiers: 'object',
    isEligible: 'function',
    events: 'object',
  });
  const now = config.now ?? systemClock;
  const policies = resolveApprovalPolicies(config.tiers);
  const isEligible = config.isEligible ?? (() => true);
  const records = new Map<string, ApprovalRecord>();

  const emit = (events: SecurityEventInput[]): void => {
    for (const event of events) config.events?.emit(event);
  };
  /** Settles timeouts, applies the action and stores the result: synchronous, so never raced. */
  const update = (requestId: string, action?: ApprovalAction): ApprovalRecord => {
    const id = parseInput(approvalIdSchema, requestId, 'approval request id');
    const current = records.get(id);
    if (!current) throw new ApprovalNotFoundError({ id });
    const time = now();
    const settled = stepApproval(current, undefined, time, policies).record;
    const refusal = action === undefined ? undefined : eligibility(settled, action);
    const step = stepApproval(current, refusal === undefined ? action : undefined, time, policies);
    if (refusal !== undefined) step.error = refusal;
    records.set(id, step.record);
    emit(step.events);
    if (step.error !== undefined) throw step.error;
    return structuredClone(step.record);
  };
  /**
   * As `@warden/approvals` decides it: the requester is left to the state machine, anyone else
   * needs `isEligible` to return `true` itself (a truthy answer such as a pending promise is no
   * yes), and one that throws denies. It is shown a copy: the record it gets may be the very one
   * stored, and a resolver writing to it (quorum, requester, decisions) would forge the decision
   * it was only asked to allow.
   */
  const eligibility = (record: ApprovalRecord, action: ApprovalAction): AccessDeniedError | undefined => {
    const person = action.type === 'cancel' ? action.actor : action.approver;
    if (record.status !== 'pending' || person === record.requester) return undefined;
    let cause: unknown;
    try {
      if (isEligible(person, structuredClone(record)) === true) return undefined;
    } catch (error) {
      cause = error;
    }
    return notEligible(record, person, cause);
  };

  return {
    specificationVersion: 'approval-workflow-v1',
    providerId: 'stub',
    async request(request: ApprovalRequest) {
      const valid = parseInput(approvalRequestSchema, request, 'approval request');
      const id = `stub-approval-${crypto.randomUUID()}`;
      const step = openApprovalRecord({ id, request: valid, now: now(), policies });
      records.set(id, step.record);
      emit(step.events);
      return id;
    },
    approve: async (requestId, approver) =>
      update(requestId, { type: 'approve', approver: parseInput(principalSchema, approver, 'approver') }).status,
    reject: async (requestId, approver, reason) =>
      update(requestId, {
        type: 'reject',
        approver: parseInput(principalSchema, approver, 'approver'),
        reason: parseInput(decisionReasonSchema, reason, 'rejection reason'),
      }).status,
    cancel: async (requestId, actor) =>
      update(requestId, { type: 'cancel', actor: parseInput(principalSchema, actor, 'actor') }).status,
    getStatus: async (requestId) => update(requestId).status,
    isApprovedFor: async (requestId, payload) => approvalCoversPayload(update(requestId), payload),
    get: async (requestId) => update(requestId),
    async listPending(given: ApprovalFilter = {}) {
      // Strictly, as @warden/approvals reads it: a misspelt field or a string must not read as no filter.
      const filter = parseInput(approvalFilterSchema, given, 'approval filter');
      return [...records.keys()]
        .map((id) => update(id))
        .filter((record) => record.status === 'pending')
        .filter(
          (record) =>
            (!filter.tier || record.tier === filter.tier) &&
            (!filter.requester || record.requester === filter.requester),
        )
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async expireDue() {
      const before = [...records.values()].filter((record) => record.status === 'pending');
      return before.filter((record) => update(record.id).version !== record.version).length;
    },
  };
}

function notEligible(record: ApprovalRecord, person: string, cause: unknown): AccessDeniedError {
  return new AccessDeniedError({
    message: `"${person}" is not an eligible approver for ${record.tier} request "${record.id}"`,
    cause,
  });
}
