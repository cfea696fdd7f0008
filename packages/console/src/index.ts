/**
 * `@warden/console`: the operator web console a host mounts on its HTTP server — approvals,
 * the kill switch, the audit trail and MCP tool pins — behind a session sign-in with operator
 * tokens, CSRF tokens on every change, a strict Content-Security-Policy and escaped output.
 *
 * @packageDocumentation
 */
export type {
  ConsoleApprovalOutcome,
  ConsoleApprovalsConfig,
  ConsoleAuditCheckpoint,
  ConsoleAuditReport,
  ConsoleAuditSource,
  ConsoleConfig,
  ConsoleOperator,
  ConsoleToolPin,
  ConsoleToolPinDecision,
  ConsoleToolPinsConfig,
} from './config.js';
export { type ConsoleHandler, createConsole } from './console.js';
export {
  createRecentEventsAuditSource,
  type RecentEventsAuditSource,
  type RecentEventsAuditSourceConfig,
} from './recent-events.js';
export { CONTENT_SECURITY_POLICY } from './security/headers.js';
