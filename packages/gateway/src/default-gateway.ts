import { getDefaultSecurityEngine, type InjectionSource } from '@warden/core';
import { createGateway } from './gateway.js';
import type {
  ForwardOptions,
  ForwardRequest,
  ForwardRequestInput,
  ForwardResult,
  Gateway,
  GatewayConfig,
  InjectFunction,
} from './gateway-types.js';

let defaultGateway: Gateway | undefined;

/**
 * The gateway the module-level functions use. Created on first use (importing this package has
 * no side effects) over core's default security engine, with no approval workflow: until
 * {@link configureDefaultGateway} gives one, requests that need approval are refused.
 */
export function getDefaultGateway(): Gateway {
  defaultGateway ??= createGateway({ engine: getDefaultSecurityEngine });
  return defaultGateway;
}

/** Replaces the default gateway (or, with `undefined`, goes back to a fresh one on next use). */
export function setDefaultGateway(gateway: Gateway | undefined): void {
  defaultGateway = gateway;
}

/**
 * Builds the default gateway from `settings` over core's default engine (unless `engine` is
 * given): typically `{ workflow, inject, killSwitch, rateLimiter }`. Returns it.
 */
export function configureDefaultGateway(settings: Partial<GatewayConfig> = {}): Gateway {
  defaultGateway = createGateway({ engine: getDefaultSecurityEngine, ...settings });
  return defaultGateway;
}

/** True when `sessionName` is a gateway, on the default gateway. */
export function isGateway(sessionName: string): boolean {
  return getDefaultGateway().isGateway(sessionName);
}

/** A gateway's forward rules or `null`, on the default gateway. */
export function getForwardRules(sessionName: string): ReturnType<Gateway['getForwardRules']> {
  return getDefaultGateway().getForwardRules(sessionName);
}

/** True when `gatewaySession` may forward to `targetSession`, on the default gateway. */
export function canForwardTo(gatewaySession: string, targetSession: string): boolean {
  return getDefaultGateway().canForwardTo(gatewaySession, targetSession);
}

/** Forwards a message through a gateway, on the default gateway. */
export function forwardRequest(
  gatewaySession: string,
  targetSession: string,
  message: string,
  originalSource: InjectionSource,
  options?: ForwardOptions,
): Promise<ForwardResult> {
  return getDefaultGateway().forwardRequest(gatewaySession, targetSession, message, originalSource, options);
}

/** Routes through a gateway when needed (`null` when `source` may reach the target directly), on the default gateway. */
export function routeThroughGateway(
  source: InjectionSource,
  targetSession: string,
  message: string,
  injectFn?: InjectFunction,
): Promise<ForwardResult | null> {
  return getDefaultGateway().routeThroughGateway(source, targetSession, message, injectFn);
}

/** True when `source` must use a gateway to reach `targetSession`, on the default gateway. */
export function requiresGateway(source: InjectionSource, targetSession: string): boolean {
  return getDefaultGateway().requiresGateway(source, targetSession);
}

/** A gateway for `source` to reach `requestedSession`, or `null`, on the default gateway. */
export function findGatewayForSource(source: InjectionSource, requestedSession: string): string | null {
  return getDefaultGateway().findGatewayForSource(source, requestedSession);
}

/** Files a request for approval, on the default gateway. */
export function queueForApproval(request: ForwardRequestInput): Promise<ForwardRequest> {
  return getDefaultGateway().queueForApproval(request);
}

/** Records an approval without delivering, on the default gateway. */
export function approveRequest(requestId: string, approver: string): Promise<ForwardRequest | null> {
  return getDefaultGateway().approveRequest(requestId, approver);
}

/** Rejects a request with a reason, on the default gateway. */
export function rejectRequest(requestId: string, approver: string, reason: string): Promise<ForwardRequest | null> {
  return getDefaultGateway().rejectRequest(requestId, approver, reason);
}

/** Requests waiting for approval, on the default gateway. */
export function getPendingRequests(gatewaySession?: string): Promise<ForwardRequest[]> {
  return getDefaultGateway().getPendingRequests(gatewaySession);
}

/** Approves and delivers once the quorum is met, on the default gateway. */
export function approveAndExecute(
  requestId: string,
  approver: string,
  injectFn?: InjectFunction,
): Promise<ForwardResult> {
  return getDefaultGateway().approveAndExecute(requestId, approver, injectFn);
}
