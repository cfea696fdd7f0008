import {
  APPROVAL_TIERS,
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTier,
  type Clock,
  InvalidInputError,
  monotonicClock,
  ownOptions,
  parseInput,
  parseTtl,
  type SecurityEventEmitter,
} from '@warden/core';
import {
  type ApprovalIdentityOptions,
  type ApprovalPolicies,
  type ApprovalTierPolicy,
  approvalIdentityKey,
  resolveApprovalPolicies,
} from '@warden/core/approval';
import { z } from 'zod';

/**
 * Decides whether `approver` may approve, reject or cancel `record` (roles, groups, on-call
 * lists…). Called with the record at its current tier. A resolver that throws denies.
 */
export type ApproverResolver = (approver: string, record: ApprovalRecord) => boolean | Promise<boolean>;

/** How the requests of one tier are decided. */
export interface ApprovalTierConfig {
  /** Distinct approvers needed. @default auto 0, peer-review 1, team-lead 1, security-review 2 */
  quorum?: number;
  /** How long a request may stay pending (`"30m"`, `"1d"`, milliseconds), or `null` for never. @default "24h" */
  ttl?: string | number | null;
  /** On timeout, move the request to the next tier instead of expiring it. @default false */
  escalate?: boolean;
  /** Who may approve at this tier: a list of names or a resolver. @default the workflow's `approvers` */
  approvers?: readonly string[] | ApproverResolver;
}

/** Configuration for `createApprovalWorkflow`. */
export interface ApprovalWorkflowConfig {
  /** Where records live. @default a new in-process store (`createMemoryApprovalStore()`) */
  store?: ApprovalStore;
  /** Per-tier policy overrides. */
  tiers?: Partial<Record<ApprovalTier, ApprovalTierConfig>>;
  /**
   * Who may approve at any tier without its own `approvers`. The requester never may.
   * @default anyone but the requester
   */
  approvers?: readonly string[] | ApproverResolver;
  /** Receives an `approval_*` event for every transition (payload secrets redacted). */
  events?: SecurityEventEmitter;
  /**
   * Time source. Without one, the wall clock, but never behind the time the monotonic clock says
   * has passed since the workflow was made: a wall clock stepped back an hour would otherwise keep
   * a request that is past its lifetime pending (approvable) for that hour. An injected clock is
   * used as it is.
   * @default Date.now, held from stepping back
   */
  now?: Clock;
  /** Makes request ids. @default `apr_` + a random UUID */
  generateId?: () => string;
  /** Compare-and-set attempts per call before giving up with `CONFLICT`. @default 100 */
  maxAttempts?: number;
  /**
   * Tell people apart case-sensitively, for applications whose identities differ by case alone.
   * Identities are always NFKC-normalised and trimmed before they are compared.
   * @default false (`Alice`, `alice ` and `alice` are one person: she cannot approve her own
   * request, and `bob` and `Bob` count once toward a quorum)
   */
  caseSensitiveIdentities?: boolean;
}

/** The settings after parsing: policies in milliseconds and one resolver per tier. */
export interface ResolvedWorkflowSettings {
  /** Where records live, when given. */
  store: ApprovalStore | undefined;
  /** The policy of every tier. */
  policies: ApprovalPolicies;
  /** Who may decide at each tier. */
  resolvers: Readonly<Record<ApprovalTier, ApproverResolver>>;
  /** Event sink, when given. */
  events: SecurityEventEmitter | undefined;
  /** Time source. */
  now: Clock;
  /** Id factory. */
  generateId: () => string;
  /** Compare-and-set attempts per call. */
  maxAttempts: number;
  /** How people are told apart. */
  identities: ApprovalIdentityOptions;
}

const approversSchema = z.union([z.array(z.string().min(1)).readonly(), z.function()]).optional();
const tierSchema = z
  .object({
    quorum: z.number().int().min(0).max(100).optional(),
    ttl: z.union([z.string(), z.number(), z.null()]).optional(),
    escalate: z.boolean().optional(),
    approvers: approversSchema,
  })
  .strict();
const configSchema = z
  .object({
    store: z.object({ compareAndSet: z.function() }).loose().optional(),
    tiers: z.partialRecord(z.enum(APPROVAL_TIERS as [ApprovalTier, ...ApprovalTier[]]), tierSchema).optional(),
    approvers: approversSchema,
    events: z.object({ emit: z.function() }).loose().optional(),
    now: z.function().optional(),
    generateId: z.function().optional(),
    maxAttempts: z.number().int().min(1).max(10_000).optional(),
    caseSensitiveIdentities: z.boolean().optional(),
  })
  .strict();

const anyoneButTheRequester: ApproverResolver = () => true;

/** Parses the config once; the error names the field at fault. */
export function resolveWorkflowSettings(given: ApprovalWorkflowConfig): ResolvedWorkflowSettings {
  // Own fields only: an Object.prototype.caseSensitiveIdentities or .approvers set by another
  // library must not decide who counts as the requester or who may approve.
  const config = ownOptions(given);
  parseInput(configSchema, config, 'approval workflow config');
  const overrides: Partial<Record<ApprovalTier, Partial<ApprovalTierPolicy>>> = {};
  const resolvers = {} as Record<ApprovalTier, ApproverResolver>;
  const identities: ApprovalIdentityOptions = { caseSensitiveIdentities: config.caseSensitiveIdentities === true };
  const fallback = toResolver(config.approvers, identities) ?? anyoneButTheRequester;
  for (const tier of APPROVAL_TIERS) {
    const tierSettings = config.tiers?.[tier] ?? {};
    const override: Partial<ApprovalTierPolicy> = {};
    if (tierSettings.quorum !== undefined) override.quorum = tierSettings.quorum;
    if (tierSettings.ttl !== undefined)
      override.ttlMs = tierSettings.ttl === null ? null : tierTtl(tier, tierSettings.ttl);
    if (tierSettings.escalate !== undefined) override.escalate = tierSettings.escalate;
    overrides[tier] = override;
    resolvers[tier] = toResolver(tierSettings.approvers, identities) ?? fallback;
  }
  return {
    store: config.store,
    policies: resolveApprovalPolicies(overrides),
    resolvers: Object.freeze(resolvers),
    events: config.events,
    now: config.now ?? wallClockHeldFromSteppingBack(),
    generateId: config.generateId ?? (() => `apr_${crypto.randomUUID()}`),
    maxAttempts: config.maxAttempts ?? 100,
    identities,
  };
}

/**
 * `Date.now()`, or, when the wall clock has stepped back since this was made, the time the
 * monotonic clock says it is (a step forward is taken as it is: requests then only expire early).
 */
function wallClockHeldFromSteppingBack(): Clock {
  const wallAtStart = Date.now();
  const monotonicAtStart = monotonicClock();
  return () => Math.max(Date.now(), wallAtStart + (monotonicClock() - monotonicAtStart));
}

function tierTtl(tier: ApprovalTier, ttl: string | number): number {
  try {
    return parseTtl(ttl);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError({
      message: `Invalid approval workflow settings: tiers.${tier}.ttl: ${problem}`,
      issues: [{ path: `tiers.${tier}.ttl`, message: problem }],
      cause: error,
    });
  }
}

function toResolver(
  approvers: readonly string[] | ApproverResolver | undefined,
  identities: ApprovalIdentityOptions,
): ApproverResolver | undefined {
  if (approvers === undefined || typeof approvers === 'function') return approvers;
  const allowed = new Set(approvers.map((name) => approvalIdentityKey(name, identities)));
  return (approver) => allowed.has(approvalIdentityKey(approver, identities));
}
