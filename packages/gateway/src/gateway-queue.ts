/**
 * The bounds of the approval queue: a peer with a self-made key is a new source for free, so
 * what it may queue is bounded per source, per gateway and overall, counted when it is queued
 * (not when it is delivered), and a refusal never evicts what is already queued.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  type ApprovalRecord,
  type ApprovalWorkflow,
  BackendUnavailableError,
  canonicalJson,
  type GatewayForwardRules,
  InvalidInputError,
  parseInput,
  QuotaExceededError,
  RateLimitedError,
  type RateLimiter,
} from '@warden/core';
import { z } from 'zod';
import { describeSource, exactSenderKey } from './gateway-forward-checks.js';
import { type ForwardPayload, forwardPayloadOf, forwardRequestOf } from './gateway-forward-payload.js';
import { assertRateDecision, type RateDecision } from './gateway-rate-decision.js';
import type { ForwardRequest, GatewayQueueLimits, PendingRequestPage, PendingRequestQuery } from './gateway-types.js';

/** The queue's bounds with every default filled in. */
export type ResolvedQueueLimits = Required<GatewayQueueLimits>;

/** The default bounds: see {@link GatewayQueueLimits}. */
const DEFAULT_QUEUE_LIMITS: Readonly<ResolvedQueueLimits> = Object.freeze({
  maxPending: 1_000,
  maxPendingPerGateway: 500,
  maxPendingPerSource: 20,
  maxMessageBytes: 65_536,
  perSourcePerMinute: 30,
});

/**
 * The most bytes a queued request's original source may take as JSON. Ample for any real
 * identity (a PEM public key is under 1 KiB); without it a peer pads its source instead of its
 * message (an extra identity member, a megabyte key or sessionId) and `maxMessageBytes` no
 * longer bounds what the queue holds, the source being stored twice (original and forwarded).
 */
const MAX_SOURCE_BYTES = 8_192;

/** The most requests one page of {@link listPendingPage} holds. */
const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

/** Fills in the defaults. */
export function resolveQueueLimits(limits: GatewayQueueLimits = {}): ResolvedQueueLimits {
  return { ...DEFAULT_QUEUE_LIMITS, ...dropUndefined(limits) };
}

/** Serialises admissions in this process, so that concurrent requests cannot all pass one count. */
export function createAdmissionLock(): <Value>(task: () => Promise<Value>) => Promise<Value> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * How long the whole queue's counts are reused. Reading them lists every pending request (up to
 * `maxPending` messages of `maxMessageBytes`), and a peer with a self-made key per request would
 * otherwise make the gateway do that for each one, one admission at a time.
 */
const QUEUE_COUNTS_REUSED_MS = 1_000;

/**
 * The whole queue's pending counts (overall and per gateway), read from the workflow at most once
 * per {@link QUEUE_COUNTS_REUSED_MS}, with what this gateway queued since added. They can only
 * over-count in between (a decision made elsewhere, an expiry), which refuses for at most that
 * long and never admits past a bound; a decision through this gateway, or the gateway's clock
 * moving by more than that, reads them again.
 */
export class QueueCounts {
  private readAt = Number.NaN;
  private readAtClock = Number.NaN;
  private total = 0;
  private readonly byGateway = new Map<string, number>();

  /** @param now the gateway's clock; a step of it (an injected clock moved on) also ends the reuse. */
  constructor(private readonly now: () => number) {}

  /** The counts, read again when older than {@link QUEUE_COUNTS_REUSED_MS}. */
  async read(workflow: ApprovalWorkflow): Promise<{ total: number; gateway(session: string): number }> {
    const age = performance.now() - this.readAt;
    const clockAge = this.now() - this.readAtClock;
    // Written as "fresh", so that NaN (never read, a broken clock) reads again.
    const fresh = age >= 0 && age < QUEUE_COUNTS_REUSED_MS && clockAge >= 0 && clockAge < QUEUE_COUNTS_REUSED_MS;
    if (!fresh) {
      const records = await workflow.listPending();
      this.total = 0;
      this.byGateway.clear();
      for (const record of records) {
        const pending = forwardPayloadOf(record);
        if (pending !== undefined) this.queued(pending.gatewaySession);
      }
      this.readAt = performance.now();
      this.readAtClock = this.now();
    }
    return { total: this.total, gateway: (session) => this.byGateway.get(session) ?? 0 };
  }

  /** Counts a request this gateway just queued. */
  queued(gatewaySession: string): void {
    this.total++;
    this.byGateway.set(gatewaySession, (this.byGateway.get(gatewaySession) ?? 0) + 1);
  }

  /** Reads the counts again next time (a request left the queue). */
  forget(): void {
    this.readAt = Number.NaN;
  }
}

/** What {@link refuseWhenFull} needs. */
interface Admission {
  /** The workflow whose pending requests are counted. */
  workflow: ApprovalWorkflow;
  /** The whole queue's counts, reused between reads. */
  counts: QueueCounts;
  /** Counts the gateway's enqueues. */
  rateLimiter: RateLimiter;
  /** Counts the source's enqueues (its own key table: see `GatewayContext.sourceRateLimiter`). */
  sourceRateLimiter: RateLimiter;
  /** The bounds. */
  limits: ResolvedQueueLimits;
  /** The gateway's forward rules (their `rateLimit` is counted at enqueue too). */
  rules: GatewayForwardRules;
  /** The request about to be queued. */
  payload: ForwardPayload;
}

/**
 * Throws when the request may not be queued: `QuotaExceededError` for a message over
 * `maxMessageBytes`, a source over {@link MAX_SOURCE_BYTES} as JSON, or a full queue (per source,
 * per gateway, overall), `RateLimitedError` when the source's or the gateway's enqueue rate is
 * used up. The order keeps what a refusal costs on the sender: the source's own rate and its own
 * queue (read through the workflow's requester index, a few records) come before the gateway's
 * rate, so a key whose queue is full cannot use up the rate every other peer shares; and the
 * gateway's rate comes before the whole queue's counts, which are read at most once a second
 * ({@link QueueCounts}), so a flood of new keys does not list every pending request per request.
 */
export async function refuseWhenFull(admission: Admission): Promise<void> {
  const { payload, limits, workflow } = admission;
  refuseOversized(payload, limits);
  await consume(admission.sourceRateLimiter, sourceWindow(payload, limits));
  // Listed by requester name (the workflow's index), counted by the exact sender.
  const own = countFromSource(
    await workflow.listPending({ requester: describeSource(payload.originalSource) }),
    payload,
  );
  if (own >= limits.maxPendingPerSource)
    throw queueFull(`${limits.maxPendingPerSource} requests from this source are pending`);
  for (const window of gatewayWindows(admission)) await consume(admission.rateLimiter, window);
  const counts = await admission.counts.read(workflow);
  const full =
    counts.total >= limits.maxPending
      ? `${limits.maxPending} requests are pending in all`
      : counts.gateway(payload.gatewaySession) >= limits.maxPendingPerGateway
        ? `${limits.maxPendingPerGateway} requests are pending for gateway ${payload.gatewaySession}`
        : undefined;
  if (full !== undefined) throw queueFull(full);
}

function refuseOversized(payload: ForwardPayload, limits: ResolvedQueueLimits): void {
  const bytes = Buffer.byteLength(payload.message, 'utf8');
  if (bytes > limits.maxMessageBytes) {
    throw new QuotaExceededError({
      message: `The message is ${bytes} bytes; gateway requests are limited to ${limits.maxMessageBytes} bytes`,
    });
  }
  const sourceBytes = Buffer.byteLength(canonicalJson(payload.originalSource), 'utf8');
  if (sourceBytes > MAX_SOURCE_BYTES) {
    throw new QuotaExceededError({
      message: `The request's source is ${sourceBytes} bytes as JSON; gateway requests carry at most ${MAX_SOURCE_BYTES}`,
    });
  }
}

function queueFull(why: string): QuotaExceededError {
  return new QuotaExceededError({ message: `The approval queue is full: ${why}; nothing was queued` });
}

/** One enqueue rate: a counter key, its limit (none: not counted) and window, and what it counts. */
interface RateWindow {
  key: string;
  limit: number | undefined;
  windowMs: number;
  what: string;
}

function sourceWindow(payload: ForwardPayload, limits: ResolvedQueueLimits): RateWindow {
  return {
    key: `gateway-queue:source:${sourceRateKey(payload)}:minute`,
    limit: limits.perSourcePerMinute,
    windowMs: 60_000,
    what: 'requests per minute from this source',
  };
}

function gatewayWindows({ payload, rules }: Admission): RateWindow[] {
  return [
    {
      key: `gateway-queue:${payload.gatewaySession}:minute`,
      limit: rules.rateLimit?.perMinute,
      windowMs: 60_000,
      what: `requests per minute through gateway ${payload.gatewaySession}`,
    },
    {
      key: `gateway-queue:${payload.gatewaySession}:hour`,
      limit: rules.rateLimit?.perHour,
      windowMs: 3_600_000,
      what: `requests per hour through gateway ${payload.gatewaySession}`,
    },
  ];
}

/** Counts one request in `window`; throws `RateLimitedError` when it is used up, `BackendUnavailableError` when the limiter fails. */
async function consume(rateLimiter: RateLimiter, window: RateWindow): Promise<void> {
  if (window.limit === undefined) return;
  let decision: RateDecision;
  try {
    const answer: unknown = await rateLimiter.consume(window.key, { limit: window.limit, windowMs: window.windowMs });
    assertRateDecision(answer);
    decision = answer;
  } catch (error) {
    throw new BackendUnavailableError({
      backend: 'rate-limiter',
      message: 'Rate limiter unavailable: nothing is queued until it answers',
      cause: error,
    });
  }
  if (!decision.allowed) {
    throw new RateLimitedError({
      message: `Rate limit of ${window.limit} ${window.what} reached; nothing was queued`,
    });
  }
}

/** How many of `records` are gateway requests from the source of `payload`. */
function countFromSource(records: readonly ApprovalRecord[], payload: ForwardPayload): number {
  const source = sourceKey(payload);
  let count = 0;
  for (const record of records) {
    const pending = forwardPayloadOf(record);
    if (pending !== undefined && sourceKey(pending) === source) count++;
  }
  return count;
}

function sourceKey(payload: ForwardPayload): string {
  return exactSenderKey(payload.originalSource);
}

/** The exact sender as a rate-limit key: a digest, so a long key makes no long counter key. */
function sourceRateKey(payload: ForwardPayload): string {
  return createHash('sha256').update(sourceKey(payload)).digest('base64url');
}

/**
 * One page of pending gateway requests, oldest first (by creation time, then id). The cursor is
 * opaque: pass a page's `nextCursor` to get the next one.
 *
 * @throws `InvalidInputError` for a malformed cursor or a limit outside 1–{@link MAX_PAGE_SIZE}.
 */
export function listPendingPage(records: readonly ApprovalRecord[], query: PendingRequestQuery): PendingRequestPage {
  assertPageQuery(query);
  // Only an absent limit is the default: `null` (an empty `limit=` from a URL) is no page size.
  const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : query.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidQuery('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const pending: { record: ApprovalRecord; payload: ForwardPayload }[] = [];
  for (const record of records) {
    const payload = forwardPayloadOf(record);
    if (payload === undefined) continue;
    if (query.gatewaySession !== undefined && payload.gatewaySession !== query.gatewaySession) continue;
    if (after !== undefined && compareKeys([record.createdAt, record.id], after) <= 0) continue;
    pending.push({ record, payload });
  }
  pending.sort((first, second) =>
    compareKeys([first.record.createdAt, first.record.id], [second.record.createdAt, second.record.id]),
  );
  const page = pending.slice(0, limit);
  const requests: ForwardRequest[] = page.map(({ record, payload }) => forwardRequestOf(record, payload));
  const last = page.at(-1);
  return pending.length > limit && last !== undefined
    ? { requests, nextCursor: encodeCursor([last.record.createdAt, last.record.id]) }
    : { requests };
}

/**
 * An operator's query often comes from a URL: `null` crashed the listing with a `TypeError`, and
 * a gateway name that is not a string (or a misspelt field such as `offset`) listed nothing, or
 * every gateway's requests, without a word. The limit and the cursor are checked below.
 */
const pageQuerySchema = z
  .object({
    gatewaySession: z.string().min(1).max(256).optional(),
    cursor: z.unknown().optional(),
    limit: z.unknown().optional(),
  })
  .strict();

function assertPageQuery(query: unknown): void {
  parseInput(pageQuerySchema, query, 'pending request query');
}

type CursorKey = [createdAt: string, id: string];

function compareKeys(first: CursorKey, second: CursorKey): number {
  if (first[0] !== second[0]) return first[0] < second[0] ? -1 : 1;
  return first[1] === second[1] ? 0 : first[1] < second[1] ? -1 : 1;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    if (cursor.length > 1_024) throw new Error('too long');
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && key.every((part) => typeof part === 'string')) {
      return key as CursorKey;
    }
  } catch {
    // Reported below.
  }
  throw invalidQuery('cursor', 'must be a nextCursor returned by an earlier page');
}

function invalidQuery(path: string, problem: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid pending request query: ${path} ${problem}`,
    issues: [{ path, message: problem }],
  });
}

function dropUndefined<Value extends object>(value: Value): Partial<Value> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<Value>;
}
