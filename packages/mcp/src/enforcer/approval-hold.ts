/**
 * Approval holds: a call whose tier needs approval is bound to the digest of (upstream, tool,
 * canonical arguments, caller, policy version); the approval expires and is used once.
 *
 * @module
 */
import {
  type ApprovalWorkflow,
  computePayloadDigest,
  type KillSwitch,
  monotonicClock,
  type RateLimiter,
} from '@warden/core';
import { McpDeniedError } from './denial.js';
import { markApprovalUsed } from './used-approvals.js';

/** What a held call is bound to. */
export interface HeldCall {
  /** The upstream. */
  upstream: string;
  /** The tool. */
  tool: string;
  /** The arguments (canonicalised by the digest). */
  arguments: Record<string, unknown>;
  /** The caller. */
  caller: string;
  /** The policy version the decision was made under. */
  policyVersion: string;
}

/** How a hold resolved. */
export type HoldOutcome =
  | { state: 'approved'; approvalId: string }
  | { state: 'pending'; approvalId: string; created: boolean };

const MAX_INDEX = 10_000;

/**
 * How far ahead of this process's wall clock a recorded decision may lie (clocks of replicas
 * differ a little); one further ahead cannot be measured against this clock and is refused.
 */
const CLOCK_SKEW_TOLERANCE_MS = 5000;

/** Finds, opens and consumes approvals for held calls. */
export class ApprovalHolds {
  private readonly byDigest = new Map<string, string>();
  /** When this process requested or first read each approval, on its monotonic clock. */
  private readonly seenAt = new Map<string, number>();

  /**
   * @param usedApprovals records used approvals (limit 1 per id); shared, it makes single use hold across replicas.
   * @param useWithinMs how long after its approval an approval still lets its call through.
   * @param monotonicNow this process's monotonic clock (milliseconds), which no other clock can stretch.
   * @param wallNow this process's wall clock, compared with the times the workflow recorded.
   */
  constructor(
    private readonly workflow: ApprovalWorkflow,
    private readonly usedApprovals: RateLimiter,
    private readonly useWithinMs: number,
    private readonly monotonicNow: () => number = monotonicClock,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Remembers when this process first met `approvalId` (bounded: the oldest is forgotten first). */
  private noteSeen(approvalId: string): void {
    if (this.seenAt.has(approvalId)) return;
    if (this.seenAt.size >= MAX_INDEX) this.seenAt.delete(this.seenAt.keys().next().value as string);
    this.seenAt.set(approvalId, this.monotonicNow());
  }

  /**
   * True when an approved record is too old to use: an approval granted for a call held last week
   * must not run it today. Two windows, both must hold. On this process's monotonic clock, from
   * when it requested or first read the approval: the workflow's pending lifetime (a duration,
   * `expiresAt - createdAt`, or `useWithinMs` when it has none) plus `useWithinMs` — a skewed or
   * hostile clock elsewhere, writing a decision time in the future, cannot stretch it. On the wall
   * clock: `useWithinMs` from the recorded decision, which may not lie ahead of this clock by more
   * than {@link CLOCK_SKEW_TOLERANCE_MS}.
   */
  private isStale(
    approvalId: string,
    record: { decidedAt?: string; createdAt: string; expiresAt: string | null },
  ): boolean {
    const decided = Date.parse(record.decidedAt ?? record.createdAt);
    const wall = this.wallNow();
    if (!(decided <= wall + CLOCK_SKEW_TOLERANCE_MS && decided + this.useWithinMs >= wall)) return true;
    const since = this.seenAt.get(approvalId);
    if (since === undefined) return true;
    const lifetime =
      record.expiresAt === null ? Number.NaN : Date.parse(record.expiresAt) - Date.parse(record.createdAt);
    const pendingMs = lifetime >= 0 ? lifetime : this.useWithinMs;
    return !(this.monotonicNow() - since <= pendingMs + this.useWithinMs);
  }

  /**
   * Consumes an approved approval bound to exactly this call, or returns the pending one (opening
   * it if none exists). `approvalId` is the id the client echoed back, when it did.
   */
  async resolve(
    call: HeldCall,
    tier: 'peer-review' | 'team-lead' | 'security-review',
    approvalId: string | undefined,
  ): Promise<HoldOutcome> {
    const digest = computePayloadDigest(call);
    const id = approvalId ?? this.byDigest.get(digest);
    if (id !== undefined) {
      const record = await this.workflow.get(id).catch(() => undefined);
      if (record !== undefined && record.payloadDigest === digest && record.requester === call.caller) {
        this.noteSeen(id);
        if (record.status === 'approved' && this.isStale(id, record)) {
          this.byDigest.delete(digest);
          if (approvalId !== undefined)
            throw new McpDeniedError({
              denial: 'APPROVAL_EXPIRED',
              message: `approval ${id} was granted more than ${this.useWithinMs} ms ago`,
              approvalId: id,
            });
        } else if (record.status === 'approved') {
          this.byDigest.delete(digest);
          if (await markApprovalUsed(this.usedApprovals, id)) return { state: 'approved', approvalId: id };
        } else if (record.status === 'pending') {
          return { state: 'pending', approvalId: id, created: false };
        } else {
          this.byDigest.delete(digest);
          if (approvalId !== undefined) {
            throw new McpDeniedError({
              denial: record.status === 'expired' ? 'APPROVAL_EXPIRED' : 'APPROVAL_REJECTED',
              message: `approval ${id} is ${record.status}`,
              approvalId: id,
            });
          }
        }
      } else if (approvalId !== undefined && record !== undefined) {
        throw new McpDeniedError({
          denial: 'APPROVAL_REJECTED',
          message: `approval ${id} was given for a different call`,
          approvalId: id,
        });
      }
    }
    const created = await this.workflow.request({
      requester: call.caller,
      description: `MCP call ${call.upstream}/${call.tool} by ${call.caller}`,
      tier,
      payload: call,
    });
    if (this.byDigest.size >= MAX_INDEX) this.byDigest.delete(this.byDigest.keys().next().value as string);
    this.byDigest.set(digest, created);
    this.noteSeen(created);
    return { state: 'pending', approvalId: created, created: true };
  }

  /**
   * Waits until the approval is decided (polling, and woken by the kill switch). Resolves when
   * approved (and consumes it); throws a denial when rejected, expired, still pending `waitMs`
   * from now (on the monotonic clock) or when the kill switch turns on.
   */
  async waitForDecision(approvalId: string, killSwitch: KillSwitch, waitMs: number, pollMs: number): Promise<void> {
    const deadline = this.monotonicNow() + waitMs;
    let wake: () => void = () => {};
    const unsubscribe = killSwitch.onChange(() => wake());
    try {
      for (;;) {
        if (await killSwitch.isActive())
          throw new McpDeniedError({ denial: 'KILL_SWITCH_ACTIVE', message: 'the kill switch is active', approvalId });
        const status = await this.workflow.getStatus(approvalId);
        if (status === 'approved') {
          if (!(await markApprovalUsed(this.usedApprovals, approvalId)))
            throw new McpDeniedError({
              denial: 'APPROVAL_REJECTED',
              message: `approval ${approvalId} was already used`,
              approvalId,
            });
          return;
        }
        if (status !== 'pending' || !(this.monotonicNow() < deadline)) {
          throw new McpDeniedError({
            denial: status === 'expired' || status === 'pending' ? 'APPROVAL_EXPIRED' : 'APPROVAL_REJECTED',
            message: `approval ${approvalId} is ${status === 'pending' ? 'still pending at its deadline' : status}`,
            approvalId,
          });
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
  }

  /** Withdraws a pending approval (the client declined it); ignores failures. */
  async cancel(approvalId: string, actor: string): Promise<void> {
    await this.workflow.cancel?.(approvalId, actor).catch(() => undefined);
  }
}
