import {
  APPROVAL_TIERS,
  type ApprovalTier,
  type ApprovalWorkflow,
  assertSpecification,
  type Clock,
  type KillSwitch,
  ownOptions,
  parseInput,
  type RateLimiter,
  type SecurityEngine,
  type SecurityEventEmitter,
  type SecurityEventInput,
  TRUST_LEVELS,
  type TrustLevel,
} from '@warden/core';
import { z } from 'zod';
import { createExecutionLedger, type ExecutionLedger } from './gateway-execution-ledger.js';
import { createAdmissionLock, QueueCounts, type ResolvedQueueLimits, resolveQueueLimits } from './gateway-queue.js';
import type { GatewayConfig, InjectFunction } from './gateway-types.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

/** Everything the gateway's operations share, resolved once from the config. */
export interface GatewayContext {
  /** The current policy engine. */
  engine(): SecurityEngine;
  /** Publishes a gateway event. */
  emit(event: SecurityEventInput): void;
  /** The approval workflow, when one was given. */
  workflow: ApprovalWorkflow | undefined;
  /** The default inject function. */
  inject: InjectFunction | undefined;
  /** Counts deliveries and each gateway's enqueues. */
  rateLimiter: RateLimiter;
  /**
   * Counts each source's enqueues. By default a limiter of its own: a flood of new sources (a
   * self-made key each) fills the in-memory limiter's key table, and in a shared one that refused
   * the gateway's own windows too, so operators' deliveries were `RATE_LIMITED`. A given
   * `rateLimiter` counts both.
   */
  sourceRateLimiter: RateLimiter;
  /** Stops everything when active. */
  killSwitch: KillSwitch | undefined;
  /** Time source. */
  now: Clock;
  /** The highest trust a forwarded request carries. */
  gatewayTrustLevel: TrustLevel;
  /** The tier forwarded requests are filed under. */
  approvalTier: ApprovalTier;
  /** Whether `skipApproval` is honoured. */
  allowSkipApproval: boolean;
  /** Deliveries, for at-most-once execution. */
  ledger: ExecutionLedger;
  /** The approval queue's bounds. */
  queueLimits: ResolvedQueueLimits;
  /** Serialises admissions to the queue within this process. */
  admit: <Value>(task: () => Promise<Value>) => Promise<Value>;
  /** The whole queue's pending counts, reused between reads. */
  queueCounts: QueueCounts;
}

const positive = z.number().int().min(1).max(1_000_000_000).optional();
const queueSchema = z
  .object({
    maxPending: positive,
    maxPendingPerGateway: positive,
    maxPendingPerSource: positive,
    maxMessageBytes: positive,
    perSourcePerMinute: positive,
  })
  .strict();

const isFunction = (value: unknown): boolean => typeof value === 'function';
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

const configSchema = z
  .object({
    engine: z.custom<SecurityEngine | (() => SecurityEngine)>(
      (value) => isFunction(value) || (isObject(value) && isFunction((value as SecurityEngine).getGatewayRules)),
      'must be a security engine or a function returning one',
    ),
    workflow: z.custom<ApprovalWorkflow>(isObject, 'must be an approval workflow').optional(),
    inject: z.custom<InjectFunction>(isFunction, 'must be a function').optional(),
    rateLimiter: z.custom<RateLimiter>(isObject, 'must be a rate limiter').optional(),
    killSwitch: z.custom<KillSwitch>(isObject, 'must be a kill switch').optional(),
    events: z
      .custom<SecurityEventEmitter>(
        (value) => isObject(value) && isFunction((value as SecurityEventEmitter).emit),
        'must be a SecurityEventEmitter',
      )
      .optional(),
    now: z.custom<Clock>(isFunction, 'must be a function').optional(),
    gatewayTrustLevel: z.enum(TRUST_LEVELS as [TrustLevel, ...TrustLevel[]]).optional(),
    approvalTier: z.enum(APPROVAL_TIERS as [ApprovalTier, ...ApprovalTier[]]).optional(),
    allowSkipApproval: z.boolean().optional(),
    maxRemembered: z.number().int().min(1).max(10_000_000).optional(),
    queue: queueSchema.optional(),
  })
  .strict();

/** Parses the config once (the error names the field) and checks each port's specification version. */
export function createGatewayContext(options: GatewayConfig): GatewayContext {
  // Own fields only: an Object.prototype.allowSkipApproval set by another library must not
  // let callers skip approval.
  const config = ownOptions(options);
  parseInput(configSchema, config, 'gateway config');
  const given = config.engine;
  const engine = typeof given === 'function' ? given : () => given;
  const now = config.now ?? Date.now;
  // The default limiters time their windows monotonically; only an injected clock replaces that.
  const limiterConfig = config.now ? { now: config.now } : {};
  const workflow = config.workflow && assertSpecification(config.workflow, 'approval-workflow-v1', 'approval workflow');
  const rateLimiter = assertSpecification(
    config.rateLimiter ?? createMemoryRateLimiter(limiterConfig),
    'rate-limiter-v1',
    'rate limiter',
  );
  const sourceRateLimiter = config.rateLimiter === undefined ? createMemoryRateLimiter(limiterConfig) : rateLimiter;
  const killSwitch = config.killSwitch && assertSpecification(config.killSwitch, 'kill-switch-v1', 'kill switch');
  return {
    engine,
    emit: (event) => {
      // An emitter that throws (a custom one whose audit sink is down) must change no outcome:
      // thrown after a delivery, it reported the delivered message as failed and, thrown again
      // by that refusal's own event, escaped with the request stuck "being delivered".
      try {
        (config.events ?? engine().events).emit(event);
      } catch {
        // The event is lost; the request's outcome stands.
      }
    },
    workflow,
    inject: config.inject,
    rateLimiter,
    sourceRateLimiter,
    killSwitch,
    now,
    gatewayTrustLevel: config.gatewayTrustLevel ?? 'semi-trusted',
    approvalTier: config.approvalTier ?? 'peer-review',
    allowSkipApproval: config.allowSkipApproval ?? false,
    ledger: createExecutionLedger(config.maxRemembered ?? 10_000),
    queueLimits: resolveQueueLimits(config.queue),
    admit: createAdmissionLock(),
    queueCounts: new QueueCounts(now),
  };
}
