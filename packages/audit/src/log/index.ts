/**
 * The audit log: factory, settings and entry shape.
 *
 * @module
 */
export { type AuditLog, createAuditLog, type SignedCheckpoint } from './audit-log.js';
export type { AuditFailure, AuditLogConfig } from './config.js';
export type { AuditEntry } from './entry.js';
