import { type GatewayForwardRules, type InjectionSource, redactSecrets } from '@warden/core';
import type { GatewayContext } from './gateway-context.js';
import { checkForward } from './gateway-forward-checks.js';
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
  const refusal = await refusalBeforeDelivery(context, delivery);
  if (typeof refusal === 'string') return { result: block(context, delivery, refusal), attempted: false };
  const inject = injectFn ?? context.inject;
  if (!inject) return { result: block(context, delivery, 'No inject function was given'), attempted: false };
  const limited = await consumeRateLimit(context, delivery.gatewaySession, refusal.rules);
  if (limited) return { result: block(context, delivery, limited), attempted: false };
  try {
    const answer = await inject(delivery.targetSession, delivery.message, {
      source: refusal.forwardedSource,
      requestId: delivery.requestId,
    });
    context.emit({
      type: 'gateway_forward',
      source: refusal.forwardedSource,
      session: delivery.targetSession,
      details: { ...eventDetails(delivery), delivered: true },
    });
    const result: ForwardResult = { success: true, requestId: delivery.requestId };
    if (answer !== undefined) result.response = typeof answer === 'string' ? answer : JSON.stringify(answer);
    return { result, attempted: true };
  } catch (error) {
    const message = String(redactSecrets(error instanceof Error ? error.message : String(error)));
    return { result: block(context, delivery, `Delivery failed: ${message}`), attempted: true };
  }
}

/**
 * The checks that need no counting: the kill switch, then the forward rules. Returns the
 * refusal reason, or the verdict with the rules and the forwarded source.
 */
export async function refusalBeforeDelivery(
  context: GatewayContext,
  delivery: Delivery,
): Promise<string | { rules: GatewayForwardRules; forwardedSource: InjectionSource }> {
  if (await killSwitchActive(context)) return 'Kill switch is active: nothing is forwarded';
  const check = checkForward(context.engine(), delivery, context.gatewayTrustLevel);
  return check.allowed ? check : check.reason;
}

/** Emits `gateway_blocked` and returns the refusal. */
export function block(context: GatewayContext, delivery: Delivery, reason: string): ForwardResult {
  context.emit({
    type: 'gateway_blocked',
    source: delivery.originalSource,
    session: delivery.targetSession,
    details: { ...eventDetails(delivery), reason },
  });
  return { success: false, error: reason, requestId: delivery.requestId };
}

async function killSwitchActive(context: GatewayContext): Promise<boolean> {
  if (!context.killSwitch) return false;
  try {
    return await context.killSwitch.isActive();
  } catch {
    return true;
  }
}

const WINDOWS = [
  { field: 'perMinute', windowMs: 60_000, label: 'minute' },
  { field: 'perHour', windowMs: 3_600_000, label: 'hour' },
] as const;

/** Counts one delivery against each window the gateway's rules set; returns why not, if over. */
async function consumeRateLimit(
  context: GatewayContext,
  gatewaySession: string,
  rules: GatewayForwardRules,
): Promise<string | undefined> {
  for (const window of WINDOWS) {
    const limit = rules.rateLimit?.[window.field];
    if (limit === undefined) continue;
    try {
      const decision = await context.rateLimiter.consume(`gateway:${gatewaySession}:${window.label}`, {
        limit,
        windowMs: window.windowMs,
      });
      if (!decision.allowed) return `Rate limit of ${limit} per ${window.label} reached for gateway ${gatewaySession}`;
    } catch {
      return `Rate limiter unavailable: gateway ${gatewaySession} forwards nothing until it answers`;
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
