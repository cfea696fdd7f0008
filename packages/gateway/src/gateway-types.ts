import type {
  ApprovalStatus,
  ApprovalTier,
  ApprovalWorkflow,
  Clock,
  GatewayForwardRules,
  InjectionSource,
  KillSwitch,
  RateLimiter,
  SecurityEngine,
  SecurityEventEmitter,
  TrustLevel,
  WardenErrorCode,
} from '@warden/core';

/** What the gateway passes to an {@link InjectFunction} besides the target and the message. */
export interface InjectOptions {
  /** Who the request is from: the original source's identity, at a trust no higher than the gateway's. */
  source: InjectionSource;
  /** The forwarded request's id. */
  requestId: string;
}

/**
 * Delivers a message to a session (the application's `inject`). Whatever it resolves with is the
 * forward's `response` (a string as it is, anything else as JSON; nothing when JSON cannot write
 * it, the forward still succeeding); a throw fails the forward.
 */
export type InjectFunction = (targetSession: string, message: string, options: InjectOptions) => unknown;

/**
 * The outcome of forwarding (the seed's `ForwardResult`): delivered (`success: true`), waiting
 * for approval (`requiresApproval: true`), or refused (`code` and `error` set).
 */
export interface ForwardResult {
  /** True when the request was delivered. */
  success: boolean;
  /** What the target answered, when delivered. */
  response?: string;
  /** Why it was not delivered, for people: match on {@link ForwardResult.code}, never on this text. */
  error?: string;
  /**
   * Why it was refused, as a stable code to branch on. Set on every failed result except one
   * that waits for approval (`requiresApproval: true`):
   * - `KILL_SWITCH_ACTIVE`: the kill switch is active, or cannot be read (fails closed);
   * - `ACCESS_DENIED`: a forward rule or the policy refuses it (not a gateway, target not in
   *   `allowForwardTo`, action type missing or not in `allowActions`, the sender may not reach
   *   the gateway or lacks `cross.inject`, the target does not admit the forwarded source), no
   *   gateway leads to the target, `skipApproval` is not allowed, the approval no longer covers
   *   the payload about to be delivered, or the workflow refused the approver (self-approval);
   * - `RATE_LIMITED`: the gateway's `perMinute` or `perHour` limit is used up, for deliveries
   *   or for queueing, or the source's `queue.perSourcePerMinute` (nothing queued; the same
   *   request may pass in a later window);
   * - `QUOTA_EXCEEDED`: the approval queue is full for the source, the gateway or overall, or
   *   the message is over `queue.maxMessageBytes` or the sender's source over 8 KiB as JSON
   *   (nothing queued, nothing evicted);
   * - `BACKEND_UNAVAILABLE`: the rate limiter or the approval workflow failed (a workflow that
   *   throws is a refusal, never an exception), no workflow is configured where approval is
   *   needed, or the inject function threw something that is not a Warden error;
   * - `INVALID_INPUT`: no inject function was given or configured, or `approveAndExecute` got a
   *   malformed id;
   * - `APPROVAL_NOT_FOUND`: `approveAndExecute` got an id that is no gateway request;
   * - `APPROVAL_NOT_PENDING`: `approveAndExecute` on a request already decided, or already
   *   delivered or being delivered;
   * - the inject function's own code when it threw a Warden error (`Delivery failed: …`), and
   *   the workflow's own code when it threw one (for example `INVALID_INPUT` for a malformed
   *   approver name).
   */
  code?: WardenErrorCode;
  /** The request's id (the approval request's id when it needs approval). */
  requestId: string;
  /** True when the request waits for approval. */
  requiresApproval?: boolean;
}

/** Options of `forwardRequest`. */
export interface ForwardOptions {
  /** The kind of action, checked against the gateway's `allowActions`. Required when the gateway has that list. */
  actionType?: string;
  /** Deliver without approval; refused unless the gateway was created with `allowSkipApproval`. */
  skipApproval?: boolean;
  /** Delivers the message; defaults to the gateway's `inject`. */
  injectFn?: InjectFunction;
}

/** Where a forwarded request stands: its approval status, then whether the gateway delivered it. */
export type ForwardRequestStatus = ApprovalStatus | 'executed' | 'failed';

/** A request forwarded through a gateway that needs (or needed) approval. */
export interface ForwardRequest {
  /** Its id, the same as its approval request's. */
  id: string;
  /** The gateway session it came through. */
  gatewaySession: string;
  /** Where it is going. */
  targetSession: string;
  /** The message to deliver. */
  message: string;
  /** Who sent it. */
  originalSource: InjectionSource;
  /** The source the target sees: the original identity at a trust no higher than the gateway's. */
  forwardedSource: InjectionSource;
  /** Its action type, when given. */
  actionType?: string;
  /** When it was queued (ISO-8601). */
  createdAt: string;
  /** Where it stands. */
  status: ForwardRequestStatus;
  /** Who approved it so far. */
  approvedBy: string[];
  /** Who made the final decision. */
  decidedBy?: string;
  /** Why it was rejected or cancelled, or why delivery failed. */
  reason?: string;
}

/** What `queueForApproval` takes: a request to be approved before it is delivered. */
export interface ForwardRequestInput {
  /** The gateway session. */
  gatewaySession: string;
  /** The target session. */
  targetSession: string;
  /** The message. */
  message: string;
  /** Who sent it. */
  originalSource: InjectionSource;
  /** Its action type. */
  actionType?: string;
}

/** Configuration for `createGateway`. */
export interface GatewayConfig {
  /** The policy: gateway sessions, forward rules, session access. Give a function to follow a replaceable engine. */
  engine: SecurityEngine | (() => SecurityEngine);
  /** Where requests wait for approval (stub, memory, Redis…). Without one, requests that need approval are refused. */
  workflow?: ApprovalWorkflow;
  /** Delivers messages when a call passes no `injectFn`. */
  inject?: InjectFunction;
  /** Counts delivered requests against each gateway's rate limit. @default an in-memory limiter */
  rateLimiter?: RateLimiter;
  /** When active, nothing is forwarded or executed. */
  killSwitch?: KillSwitch;
  /** Receives `gateway_forward` and `gateway_blocked` events. @default the engine's events */
  events?: SecurityEventEmitter;
  /**
   * Time source. Given, it also times the default rate limiters' windows, which otherwise run on
   * the monotonic clock so that a wall clock that steps cannot reset or stretch them. @default Date.now
   */
  now?: Clock;
  /** The highest trust a forwarded request may carry. @default 'semi-trusted' (the gateway source type's default) */
  gatewayTrustLevel?: TrustLevel;
  /** The approval tier of forwarded requests. @default 'peer-review' */
  approvalTier?: ApprovalTier;
  /** Honour `skipApproval: true`. @default false */
  allowSkipApproval?: boolean;
  /** How many delivery outcomes the gateway remembers before dropping the oldest. @default 10000 */
  maxRemembered?: number;
  /** Bounds on the approval queue, which anyone with a self-made key can otherwise fill. */
  queue?: GatewayQueueLimits;
}

/**
 * Bounds on the approval queue, checked when a request is queued. A request over a bound is
 * refused (`QUOTA_EXCEEDED`, or `RATE_LIMITED` for a rate) and nothing already queued is
 * evicted. With these bounds, the pending gateway requests held at any time are at most
 * `maxPending`, each with a message of at most `maxMessageBytes` and a source of at most 8 KiB
 * as JSON. Counts are exact within one
 * process; processes sharing a workflow count each other's requests but may race past a bound
 * by at most one request each.
 */
export interface GatewayQueueLimits {
  /** Pending gateway requests in the workflow, all gateways together. @default 1000 */
  maxPending?: number;
  /** Pending requests through one gateway. @default 500 */
  maxPendingPerGateway?: number;
  /** Pending requests from one source (one key, one user). @default 20 */
  maxPendingPerSource?: number;
  /** The largest message that may be queued, in UTF-8 bytes. @default 65536 */
  maxMessageBytes?: number;
  /**
   * Requests one source may queue per minute. The gateway's own `rateLimit` (`perMinute`,
   * `perHour`) is counted when a request is queued too, as well as when it is delivered.
   * @default 30
   */
  perSourcePerMinute?: number;
}

/** What {@link Gateway.listPendingRequests} returns: one page, oldest first. */
export interface PendingRequestPage {
  /** The requests on this page. */
  requests: ForwardRequest[];
  /** Pass it as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Which pending requests {@link Gateway.listPendingRequests} returns. */
export interface PendingRequestQuery {
  /** Only requests through this gateway. */
  gatewaySession?: string;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Requests per page, 1–500. @default 50 */
  limit?: number;
}

/** A gateway: the seed's gateway functions over one policy, one workflow and one rate limiter. */
export interface Gateway {
  /** True when `sessionName` is configured as a gateway. */
  isGateway(sessionName: string): boolean;
  /** The gateway's forward rules, or `null` when `sessionName` is not a gateway. */
  getForwardRules(sessionName: string): GatewayForwardRules | null;
  /** True when `gatewaySession` is a gateway whose rules allow forwarding to `targetSession`. */
  canForwardTo(gatewaySession: string, targetSession: string): boolean;
  /** Checks and forwards a message; queues it for approval when the gateway requires approval. */
  forwardRequest(
    gatewaySession: string,
    targetSession: string,
    message: string,
    originalSource: InjectionSource,
    options?: ForwardOptions,
  ): Promise<ForwardResult>;
  /** Routes through a gateway when `source` may not reach `targetSession` directly; `null` when it may. */
  routeThroughGateway(
    source: InjectionSource,
    targetSession: string,
    message: string,
    injectFn?: InjectFunction,
  ): Promise<ForwardResult | null>;
  /** True when `source` may not reach `targetSession` directly under the current policy. */
  requiresGateway(source: InjectionSource, targetSession: string): boolean;
  /** A gateway `source` may reach that may forward to `requestedSession`, or `null`. */
  findGatewayForSource(source: InjectionSource, requestedSession: string): string | null;
  /**
   * Checks a request against the forward rules and the queue's bounds and files it with the
   * approval workflow. Throws `AccessDeniedError`, `QuotaExceededError` or `RateLimitedError`
   * when refused; a refusal queues and evicts nothing.
   */
  queueForApproval(request: ForwardRequestInput): Promise<ForwardRequest>;
  /** Records `approver`'s approval without delivering; `null` for an unknown or no longer pending request. */
  approveRequest(requestId: string, approver: string): Promise<ForwardRequest | null>;
  /** Rejects with a reason (kept); `null` for an unknown or no longer pending request. */
  rejectRequest(requestId: string, approver: string, reason: string): Promise<ForwardRequest | null>;
  /**
   * Requests still waiting for approval (never approved or decided ones), optionally of one
   * gateway: every one, at most the queue's `maxPending`. Operators page with
   * {@link Gateway.listPendingRequests}.
   */
  getPendingRequests(gatewaySession?: string): Promise<ForwardRequest[]>;
  /** One page of the requests waiting for approval, oldest first. */
  listPendingRequests(query?: PendingRequestQuery): Promise<PendingRequestPage>;
  /** One request whatever its status, or `null`. */
  getRequest(requestId: string): Promise<ForwardRequest | null>;
  /**
   * Approves and, once the quorum is met, delivers: policy, rate limit and kill switch are checked
   * again at delivery time, and a request is delivered at most once.
   */
  approveAndExecute(requestId: string, approver: string, injectFn?: InjectFunction): Promise<ForwardResult>;
}
