import {
  type GatewayForwardRules,
  type InjectionSource,
  redactSecrets,
  WardenError,
  type WardenErrorCode,
} from '@warden/core';
import type { GatewayContext } from './gateway-context.js';
import { checkForward } from './gateway-forward-checks.js';
import { assertRateDecision } from './gateway-rate-decision.js';
import type { ForwardResult, InjectFunction } from './gateway-types.js';

/** A request about to be delivered. */
export interface Delivery {
  /** Its id. */
  requestId: string;
  /** The gateway session. */
  gatewaySession: string;
  /** The target session. */
  targetSession: string;
  /** The message. */
  message: string;
  /** Who sent it. */
  originalSource: InjectionSource;
  /** Its action type. */
  actionType?: string | undefined;
  /** Who approved it, for the event. */
  approvedBy?: string[];
}

/** Why a request is not delivered: a stable code for callers and a reason for people. */
export interface Refusal {
  /** The code the {@link ForwardResult} carries. */
  code: WardenErrorCode;
  /** The `error` text. */
  reason: string;
}

/** The verdict of {@link refusalBeforeDelivery} when nothing refuses the request yet. */
export interface ForwardVerdict {
  /** The gateway's forward rules. */
  rules: GatewayForwardRules;
  /** The source the target will see. */
  forwardedSource: InjectionSource;
}

/** Builds a {@link Refusal}. */
export function refusal(code: WardenErrorCode, reason: string): Refusal {
  return { code, reason };
}

/** True when a check returned a {@link Refusal}. */
export function isRefusal(check: Refusal | ForwardVerdict): check is Refusal {
  return 'code' in check;
}

/** The outcome of {@link deliver}: the result, and whether the inject function was called. */
export interface DeliveryOutcome {
  /** What the caller gets. */
  result: ForwardResult;
  /** True once the message was handed to the inject function (even if it then threw). */
  attempted: boolean;
}

/**
 * Delivers a request after checking, at this moment: the kill switch (an unreadable switch
 * counts as active), every forward rule against the current policy, and the gateway's rate
 * limit (counted here, when the request executes, never when it is queued).
 */
export async function deliver(
  context: GatewayContext,
  delivery: Delivery,
  injectFn: InjectFunction | undefined,
): Promise<DeliveryOutcome> {
  const verdict = await refusalBeforeDelivery(context, delivery);
  if (isRefusal(verdict)) return { result: block(context, delivery, verdict), attempted: false };
  const inject = injectFn ?? context.inject;
  if (!inject) {
    const missing = refusal('INVALID_INPUT', 'No inject function was given');
    return { result: block(context, delivery, missing), attempted: false };
  }
  const limited = await consumeRateLimit(context, delivery.gatewaySession, verdict.rules);
  if (limited) return { result: block(context, delivery, limited), attempted: false };
  let answer: unknown;
  try {
    answer = await inject(delivery.targetSession, delivery.message, {
      source: verdict.forwardedSource,
      requestId: delivery.requestId,
    });
  } catch (error) {
    return { result: block(context, delivery, deliveryFailure(error)), attempted: true };
  }
  context.emit({
    type: 'gateway_forward',
    source: verdict.forwardedSource,
    session: delivery.targetSession,
    details: { ...eventDetails(delivery), delivered: true },
  });
  const result: ForwardResult = { success: true, requestId: delivery.requestId };
  const response = responseText(answer);
  if (response !== undefined) result.response = response;
  return { result, attempted: true };
}

/**
 * The target's answer as text: a string as it is, anything else as JSON, nothing when JSON
 * cannot write it (a bigint, a cycle, a throwing `toJSON`). The message is delivered by then, so
 * an answer that cannot be written must not report the delivery as failed (a caller would send
 * it again).
 */
function responseText(answer: unknown): string | undefined {
  if (answer === undefined || typeof answer === 'string') return answer;
  try {
    return JSON.stringify(answer) as string | undefined;
  } catch {
    return undefined;
  }
}

/**
 * A delivery whose inject function threw: a Warden error keeps its code (the target refused it,
 * say `ACCESS_DENIED`); anything else means the target failed, `BACKEND_UNAVAILABLE`.
 */
function deliveryFailure(error: unknown): Refusal {
  const message = String(redactSecrets(describeThrown(error)));
  const code = WardenError.isInstance(error) ? error.code : 'BACKEND_UNAVAILABLE';
  return refusal(code, `Delivery failed: ${message}`);
}

/**
 * The refusal for an approval workflow that threw: a Warden error keeps its code (the policy
 * changed, `ACCESS_DENIED`; a malformed id, `INVALID_INPUT`; a store that is down,
 * `BACKEND_UNAVAILABLE`); anything else (a connection error from its Redis, say) is
 * `BACKEND_UNAVAILABLE`, its text left out since it may name the store's address.
 */
export function workflowFailure(error: unknown): Refusal {
  if (WardenError.isInstance(error)) return refusal(error.code, error.message);
  return refusal('BACKEND_UNAVAILABLE', 'The approval workflow failed: nothing was queued, approved or delivered');
}

/**
 * The text of whatever the inject function threw. A hostile target may throw a value that
 * refuses to become text (a null-prototype object, a throwing `message` getter or `toString`);
 * that must still be a refusal, not an exception that escapes the gateway and leaves the
 * request "being delivered" for ever.
 */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    return 'the inject function threw a value that cannot be shown as text';
  }
}

/**
 * The checks that need no counting: the kill switch (`KILL_SWITCH_ACTIVE`, also when it cannot
 * be read), then the forward rules (`ACCESS_DENIED`). Returns the refusal, or the verdict with
 * the rules and the forwarded source.
 */
export async function refusalBeforeDelivery(
  context: GatewayContext,
  delivery: Delivery,
): Promise<Refusal | ForwardVerdict> {
  if (await killSwitchActive(context))
    return refusal('KILL_SWITCH_ACTIVE', 'Kill switch is active: nothing is forwarded');
  const check = checkForward(context.engine(), delivery, context.gatewayTrustLevel);
  return check.allowed ? check : refusal('ACCESS_DENIED', check.reason);
}

/** Emits `gateway_blocked` (with the code) and returns the refusal as a failed result. */
export function block(context: GatewayContext, delivery: Delivery, refused: Refusal): ForwardResult {
  context.emit({
    type: 'gateway_blocked',
    source: delivery.originalSource,
    session: delivery.targetSession,
    details: { ...eventDetails(delivery), code: refused.code, reason: refused.reason },
  });
  return { success: false, code: refused.code, error: refused.reason, requestId: delivery.requestId };
}

async function killSwitchActive(context: GatewayContext): Promise<boolean> {
  if (!context.killSwitch) return false;
  try {
    // Only an explicit `false` lets traffic through: a broken adapter answering `undefined`,
    // `null` or `0` does not know the switch is off, and unknown fails closed.
    return (await context.killSwitch.isActive()) !== false;
  } catch {
    return true;
  }
}

const WINDOWS = [
  { field: 'perMinute', windowMs: 60_000, label: 'minute' },
  { field: 'perHour', windowMs: 3_600_000, label: 'hour' },
] as const;

/**
 * Counts one delivery against each window the gateway's rules set; returns why not, if over
 * (`RATE_LIMITED`) or if the limiter cannot answer (`BACKEND_UNAVAILABLE`, failing closed).
 */
async function consumeRateLimit(
  context: GatewayContext,
  gatewaySession: string,
  rules: GatewayForwardRules,
): Promise<Refusal | undefined> {
  for (const window of WINDOWS) {
    const limit = rules.rateLimit?.[window.field];
    if (limit === undefined) continue;
    try {
      const decision: unknown = await context.rateLimiter.consume(`gateway:${gatewaySession}:${window.label}`, {
        limit,
        windowMs: window.windowMs,
      });
      assertRateDecision(decision);
      if (!decision.allowed) {
        return refusal(
          'RATE_LIMITED',
          `Rate limit of ${limit} per ${window.label} reached for gateway ${gatewaySession}`,
        );
      }
    } catch {
      const reason = `Rate limiter unavailable: gateway ${gatewaySession} forwards nothing until it answers`;
      return refusal('BACKEND_UNAVAILABLE', reason);
    }
  }
  return undefined;
}

function eventDetails(delivery: Delivery): Record<string, unknown> {
  const details: Record<string, unknown> = {
    requestId: delivery.requestId,
    gateway: delivery.gatewaySession,
    target: delivery.targetSession,
    messageLength: delivery.message.length,
  };
  if (delivery.actionType !== undefined) details.actionType = delivery.actionType;
  if (delivery.approvedBy !== undefined) details.approvedBy = delivery.approvedBy;
  return details;
}
