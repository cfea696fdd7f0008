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

/**
 * Asks the client something (a server-to-client request such as `elicitation/create`). `signal`
 * aborts once Warden stops waiting (the approval expired, the kill switch turned on): the
 * transport then forgets the request, so a client that never answers leaves nothing behind.
 */
export type McpClientCall = (method: string, params: unknown, signal?: AbortSignal) => Promise<unknown>;

/** Deepest nesting of objects and arrays in a client's request params, and in an upstream's answers. */
export const MAX_MESSAGE_NESTING = 256;

/**
 * True when `value` has objects or arrays nested more than `limit` deep. Walked with a stack of
 * its own: `JSON.parse` takes a line nested a million deep, and anything that recursed over it
 * (`JSON.stringify` when forwarding it, a digest) would overflow the call stack.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const items: unknown[] = [value];
  const depths: number[] = [0];
  while (items.length > 0) {
    const item = items.pop();
    const depth = depths.pop() ?? 0;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child !== 'object' || child === null) continue;
      items.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

/** True when `value` is a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
