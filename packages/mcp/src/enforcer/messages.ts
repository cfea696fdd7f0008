/**
 * The JSON-RPC shapes the enforcer speaks, independent of transport.
 *
 * @module
 */
import type { JsonRpcErrorObject } from './denial.js';

/** What a request produced: a result or an error, without the id (the transport adds it). */
export type McpOutcome = { result: unknown } | { error: JsonRpcErrorObject };

/**
 * Sends one request to the upstream server and resolves with its outcome. Rejects (or resolves
 * with an error) when the upstream cannot answer; the enforcer then denies.
 */
export type McpUpstreamCall = (method: string, params: unknown) => Promise<McpOutcome>;

/** Asks the client something (a server-to-client request such as `elicitation/create`). */
export type McpClientCall = (method: string, params: unknown) => Promise<unknown>;

/** True when `value` is a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
