/**
 * One security event per decision (allowed, denied, held, approved, executed), redacted by
 * core's emitter; an audit sink that cannot record a decision denies the call.
 *
 * @module
 */
import type { AuditSink, InjectionSource, SecurityEventEmitter, SecurityEventType } from '@warden/core';
import { McpDeniedError } from './denial.js';
import { isObserved } from './observed-events.js';

/** The decisions Warden records for MCP traffic. */
type McpDecision =
  | 'allowed'
  | 'denied'
  | 'held'
  | 'approved'
  | 'executed'
  | 'listed'
  | 'tool-definition-pending'
  | 'hidden-characters'
  | 'unsafe-tool-name'
  | 'unsafe-schema-pattern';

const eventTypes: Record<McpDecision, SecurityEventType> = {
  allowed: 'access_granted',
  denied: 'access_denied',
  held: 'approval_requested',
  approved: 'approval_approved',
  executed: 'gateway_forward',
  listed: 'access_granted',
  'tool-definition-pending': 'policy_warning',
  'hidden-characters': 'policy_warning',
  'unsafe-tool-name': 'policy_warning',
  'unsafe-schema-pattern': 'policy_warning',
};

/** Writes decision events. */
export interface DecisionLog {
  /** Emits the event; with an audit sink, waits for it and throws `BACKEND_UNAVAILABLE` when it fails. */
  record(
    decision: McpDecision,
    source: InjectionSource | undefined,
    upstream: string,
    details: Record<string, unknown>,
  ): Promise<void>;
}

/**
 * Creates the log over an emitter and an optional audit sink that must acknowledge each decision.
 * With no sink and an emitter nobody listens to ({@link isObserved}), an event would reach no
 * one and is not built.
 */
export function createDecisionLog(events: SecurityEventEmitter, auditSink: AuditSink | undefined): DecisionLog {
  return {
    async record(decision, source, upstream, details) {
      if (!auditSink && !isObserved(events)) return;
      const event = events.emit({
        type: eventTypes[decision],
        ...(source ? { source } : {}),
        session: upstream,
        details: { mcp: decision, upstream, ...details },
      });
      if (!auditSink) return;
      try {
        await auditSink.write(event);
      } catch (error) {
        throw new McpDeniedError({
          denial: 'BACKEND_UNAVAILABLE',
          message: 'the audit sink could not record the decision',
          cause: error,
        });
      }
    },
  };
}
