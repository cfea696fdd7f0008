/**
 * The `ApprovalWorkflow` port and the `ApprovalStore` port it is built on.
 *
 * @module
 */
import { z } from 'zod';
import { approvalIdentityKey } from '../approval/transitions.js';
import type { ApprovalClassificationInput, ApprovalTier } from '../approval-tier.js';
import { hasBidiOverrides, hasControlCharacters } from '../validation.js';
import type { ProviderIdentity } from './specification.js';

/** Where a request stands. Every status but `pending` is final. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

/** What a requester asks to have approved. */
export interface ApprovalRequest {
  /** Who asks. The requester can never approve their own request. */
  requester: string;
  /** What is to be done, for the approvers. */
  description: string;
  /** The tier, when the caller knows it. */
  tier?: ApprovalTier;
  /** Classified with `classifyApprovalTier` when `tier` is absent. */
  classification?: ApprovalClassificationInput;
  /** The exact operation; the approval is bound to its digest. */
  payload?: unknown;
}

/** One approver's decision. */
export interface ApprovalDecision {
  /** Who decided. */
  approver: string;
  /** Approve or reject. */
  decision: 'approve' | 'reject';
  /** When (ISO-8601). */
  at: string;
  /** Why (kept for rejections). */
  reason?: string;
  /** The tier the request was at when decided; approvals count towards that tier's quorum only. */
  tier?: ApprovalTier;
}

/** The whole record of a request, with its decision trail. */
export interface ApprovalRecord {
  /** The request id. */
  id: string;
  /** Who asked. */
  requester: string;
  /** What is to be done. */
  description: string;
  /** The tier that decides the quorum. */
  tier: ApprovalTier;
  /** Where the request stands. */
  status: ApprovalStatus;
  /** Distinct approvals needed. */
  quorum: number;
  /** When it was requested (ISO-8601). */
  createdAt: string;
  /** When it expires if still pending (ISO-8601), or `null` for never. */
  expiresAt: string | null;
  /** `sha256:` digest of the payload (see `computePayloadDigest`), when a payload was given. */
  payloadDigest?: string;
  /** The payload itself. */
  payload?: unknown;
  /** Every decision, in order. */
  decisions: ApprovalDecision[];
  /** When the request left `pending` (ISO-8601). */
  decidedAt?: string;
  /** Who made the final decision or cancelled it. */
  decidedBy?: string;
  /** The rejection or cancellation reason. */
  reason?: string;
  /** Tiers the request escalated through, oldest first. */
  escalatedFrom?: ApprovalTier[];
  /** Incremented by every stored change; used for compare-and-set. */
  version: number;
}

/** Narrows `listPending`. */
export interface ApprovalFilter {
  /** Only requests of this tier. */
  tier?: ApprovalTier;
  /** Only requests by this requester. */
  requester?: string;
}

/**
 * A multi-tier approval workflow for sensitive operations.
 *
 * An implementation must:
 * - validate input and throw `InvalidInputError` before storing anything;
 * - throw `ApprovalNotFoundError` for an unknown id;
 * - refuse self-approval (the requester approving their own request) with `AccessDeniedError`,
 *   whether it would be the first, a middle or the last approval of the quorum;
 * - count each approver once towards the tier's quorum, and move to `approved` exactly once
 *   even under concurrent calls;
 * - end the request on any eligible rejection, keeping the reason;
 * - throw `ApprovalNotPendingError` when deciding a request that is no longer pending;
 * - report a pending request past its expiry as `expired`, never `approved`;
 * - bind an approval to the payload it was requested with: `isApprovedFor` is true only for an
 *   approved request and a payload with the same digest (a request without a payload covers only
 *   `undefined`);
 * - return copies: a caller changing a record it read changes nothing stored.
 */
export interface ApprovalWorkflow extends ProviderIdentity<'approval-workflow-v1'> {
  /** Files a request; returns its id. A request whose tier needs no approvers is approved at once. */
  request(request: ApprovalRequest): Promise<string>;
  /** Records an approval; returns the status afterwards (`pending` until the quorum is met). */
  approve(requestId: string, approver: string): Promise<ApprovalStatus>;
  /** Rejects the request with a reason; returns `rejected`. */
  reject(requestId: string, approver: string, reason: string): Promise<ApprovalStatus>;
  /** The request's status. */
  getStatus(requestId: string): Promise<ApprovalStatus>;
  /** The whole record with its decision trail. */
  get(requestId: string): Promise<ApprovalRecord>;
  /** Pending requests, oldest first. */
  listPending(filter?: ApprovalFilter): Promise<ApprovalRecord[]>;
  /**
   * True when the request is approved and `payload` is the payload it was approved for (the same
   * `computePayloadDigest`): executing a changed payload needs a new approval. A request filed
   * without a payload covers only `undefined`. Throws `ApprovalNotFoundError` for an unknown id.
   */
  isApprovedFor(requestId: string, payload: unknown): Promise<boolean>;
  /** Withdraws a pending request. Optional. */
  cancel?(requestId: string, actor: string): Promise<ApprovalStatus>;
  /** Marks every overdue pending request `expired` (or escalates it); returns how many changed. Optional. */
  expireDue?(): Promise<number>;
  /** Releases connections and timers the adapter owns. Optional. */
  close?(): Promise<void>;
}

/**
 * Durable storage for approval records with atomic compare-and-set.
 *
 * An implementation must:
 * - make `compareAndSet` atomic: it writes `next` only if the stored record's `version` still
 *   equals `expectedVersion`, `next.version` is `expectedVersion + 1` and `next.id` is `id`;
 * - never overwrite a record through `create`, and store and return copies (a caller changing a
 *   record it gave or read changes nothing stored);
 * - never drop a decided record before it has been read back (no TTL shorter than the retention the caller asked for),
 *   except an approved one whose documented hold awaiting execution has passed: dropped, it executes nothing
 *   (`@warden/approvals-redis`'s `holdApprovedFor`);
 * - list pending records by tier and requester without scanning decided ones.
 */
export interface ApprovalStore extends ProviderIdentity<'approval-store-v1'> {
  /** Stores a new record; throws `ConflictError` when the id exists. */
  create(record: ApprovalRecord): Promise<void>;
  /** The record, or `undefined` for an unknown id. */
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** Replaces the record if its version is still `expectedVersion`; returns whether it did. */
  compareAndSet(id: string, expectedVersion: number, next: ApprovalRecord): Promise<boolean>;
  /** Pending records matching `filter`, oldest first. */
  listPending(filter?: ApprovalFilter): Promise<ApprovalRecord[]>;
  /** Releases connections the store owns. Optional. */
  close?(): Promise<void>;
}

/**
 * A person's name as every approval workflow takes it. A name that normalises to nothing (spaces,
 * zero-width or other invisible characters) would record a decision by no one; a terminal escape,
 * tab or line separator can make a log or console show another person than the one recorded, and
 * so can a bidirectional override, embedding or isolate (`p2p:` U+202E `ecila` is shown as
 * `p2p:alice`). The directional marks (U+200E, U+200F, U+061C) stay allowed: right-to-left names
 * carry them, and they reorder no letters.
 */
const principal = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => !hasControlCharacters(name), 'must not contain control characters or line separators')
  .refine((name) => !hasBidiOverrides(name), 'must not contain bidirectional overrides, embeddings or isolates')
  .refine((name) => approvalIdentityKey(name) !== '', 'must name someone (it is blank or only invisible characters)');

/** Validates an {@link ApprovalRequest}. */
export const approvalRequestSchema: z.ZodType<ApprovalRequest> = z
  .object({
    requester: principal,
    description: z.string().min(1).max(10_000),
    tier: z.enum(['auto', 'peer-review', 'team-lead', 'security-review']).optional(),
    classification: z
      .object({
        complexityScore: z.number(),
        securitySensitive: z.boolean().optional(),
        isInfraChange: z.boolean().optional(),
      })
      .strict()
      .optional(),
    payload: z.unknown().optional(),
  })
  .strict();

/** Validates an approver or actor name. */
export const principalSchema: z.ZodType<string> = principal;

/**
 * Validates an {@link ApprovalFilter} strictly: a filter often comes from a query string, and a
 * lenient read took a misspelt field (`requestor`), a string or an empty requester as no filter
 * at all, listing every requester's requests to a caller who asked for one's.
 */
export const approvalFilterSchema: z.ZodType<ApprovalFilter> = z
  .object({
    tier: z.enum(['auto', 'peer-review', 'team-lead', 'security-review']).optional(),
    requester: principal.optional(),
  })
  .strict();

/** Validates a rejection or cancellation reason: non-blank, at most 2,000 characters. */
export const decisionReasonSchema: z.ZodType<string> = z
  .string()
  .max(2000)
  .refine((reason) => reason.trim().length > 0, 'must not be empty');

/** Validates an approval request id. */
export const approvalIdSchema: z.ZodType<string> = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be a request id');
