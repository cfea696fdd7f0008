/**
 * Policy check results and enforcement: every check (session access, capability, tool)
 * goes through {@link applyEnforcement}, so `off`, `warn` and `enforce` behave the same way
 * for all of them.
 *
 * @module
 */
import type { Capability } from '../capabilities.js';
import type { SecurityEventEmitter, SecurityEventType } from '../events.js';
import type { InjectionSource } from '../sources.js';
import type { EnforcementMode } from './config-schema.js';
import type { ToolVerdict } from './tool-policy.js';

/**
 * The answer to a policy check. For the layers behind it, the rule that decided and what would
 * change it, call `explainToolAccess` or `explainCapability` with the same arguments (or run
 * `warden policy check`): they take their decision from this same check.
 */
export interface PolicyCheckResult {
  /** True when the request may proceed (always true under `off`, and under `warn`). */
  allowed: boolean;
  /** Why it was denied. */
  reason?: string;
  /** The capability that was missing or checked. */
  requiredCapability?: Capability;
  /** The source could reach the session through a gateway instead. */
  requiresGateway?: boolean;
  /** The gateway session to use, when `requiresGateway`. */
  suggestedGateway?: string;
  /** Under `warn`: why `enforce` would have denied the request. */
  warning?: string;
}

/** Which check produced a verdict. */
type PolicyCheckKind = 'session' | 'capability' | 'tool';

/** A verdict before enforcement, with the gateway hint for session access. */
export interface CheckVerdict extends ToolVerdict {
  /** See {@link PolicyCheckResult.requiresGateway}. */
  requiresGateway?: boolean;
  /** See {@link PolicyCheckResult.suggestedGateway}. */
  suggestedGateway?: string;
}

/** Turns a verdict into the frozen result callers see under `mode`. */
export function applyEnforcement(mode: EnforcementMode, verdict: CheckVerdict): PolicyCheckResult {
  if (verdict.allowed || mode === 'off') {
    return Object.freeze(
      verdict.requiredCapability
        ? { allowed: true, requiredCapability: verdict.requiredCapability }
        : { allowed: true },
    );
  }
  if (mode === 'warn') {
    const result: PolicyCheckResult = { allowed: true, warning: verdict.reason ?? 'denied by policy' };
    if (verdict.requiredCapability) result.requiredCapability = verdict.requiredCapability;
    return Object.freeze(result);
  }
  const result: PolicyCheckResult = { allowed: false, reason: verdict.reason ?? 'denied by policy' };
  if (verdict.requiredCapability) result.requiredCapability = verdict.requiredCapability;
  if (verdict.requiresGateway) {
    result.requiresGateway = true;
    if (verdict.suggestedGateway) result.suggestedGateway = verdict.suggestedGateway;
  }
  return Object.freeze(result);
}

const DENIAL_EVENT: Readonly<Record<PolicyCheckKind, SecurityEventType>> = {
  session: 'access_denied',
  capability: 'capability_check',
  tool: 'tool_blocked',
};

const GRANT_EVENT: Readonly<Record<PolicyCheckKind, SecurityEventType>> = {
  session: 'access_granted',
  capability: 'capability_check',
  tool: 'capability_check',
};

/** What a check reports about itself in an event. */
export interface CheckReport {
  /** Which check ran. */
  kind: PolicyCheckKind;
  /** Who asked. */
  source: InjectionSource;
  /** Where. */
  session: string;
  /** The capability or tool checked, when there is one. */
  subject?: { capability?: Capability; tool?: string };
}

/**
 * Emits the event a result calls for: a denial under `enforce`, a `policy_violation` for a
 * request `warn` let through, a grant only when `auditAllowed`. Nothing under `off`.
 */
export function reportCheck(
  events: SecurityEventEmitter,
  mode: EnforcementMode,
  report: CheckReport,
  result: PolicyCheckResult,
  auditAllowed: boolean,
): void {
  if (mode === 'off') return;
  const details = { check: report.kind, ...report.subject };
  const base = { source: report.source, session: report.session };
  if (!result.allowed) {
    events.emit({
      ...base,
      type: DENIAL_EVENT[report.kind],
      details: { ...details, allowed: false, reason: result.reason },
    });
  } else if (result.warning !== undefined) {
    events.emit({
      ...base,
      type: 'policy_violation',
      details: { ...details, allowed: true, enforcement: 'warn', reason: result.warning },
    });
  } else if (auditAllowed) {
    events.emit({ ...base, type: GRANT_EVENT[report.kind], details: { ...details, allowed: true } });
  }
}
