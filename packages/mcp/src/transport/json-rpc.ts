/**
 * Classifying incoming JSON-RPC messages; malformed ones and batches become typed errors.
 *
 * @module
 */
import { denialToJsonRpc, type JsonRpcErrorObject, type McpDenialCode } from '../enforcer/denial.js';
import { isRecord } from '../enforcer/messages.js';

/** A JSON-RPC id. */
export type JsonRpcId = string | number;

/** An incoming message, classified. */
export type IncomingMessage =
  | { kind: 'request'; id: JsonRpcId; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'response'; id: JsonRpcId; result?: unknown; error?: unknown }
  | { kind: 'invalid'; id: JsonRpcId | null; code: McpDenialCode; reason: string };

/** True for a JSON-RPC id Warden accepts: a string of at most 256 characters, or a finite number. */
export function validRequestId(value: unknown): value is JsonRpcId {
  return (typeof value === 'string' && value.length <= 256) || (typeof value === 'number' && Number.isFinite(value));
}

/** Classifies an already-parsed message. */
export function classifyMessage(message: unknown): IncomingMessage {
  if (Array.isArray(message))
    return { kind: 'invalid', id: null, code: 'INVALID_REQUEST', reason: 'batches are not supported' };
  if (!isRecord(message) || message.jsonrpc !== '2.0')
    return { kind: 'invalid', id: null, code: 'INVALID_REQUEST', reason: 'not a JSON-RPC 2.0 message' };
  const id = validRequestId(message.id) ? message.id : null;
  if (typeof message.method === 'string') {
    if (message.method.length === 0 || message.method.length > 256)
      return { kind: 'invalid', id, code: 'INVALID_REQUEST', reason: 'invalid method' };
    if (message.params !== undefined && (typeof message.params !== 'object' || message.params === null)) {
      return { kind: 'invalid', id, code: 'INVALID_REQUEST', reason: 'params must be an object' };
    }
    if (message.id === undefined) return { kind: 'notification', method: message.method, params: message.params };
    if (id === null) return { kind: 'invalid', id: null, code: 'INVALID_REQUEST', reason: 'invalid id' };
    return { kind: 'request', id, method: message.method, params: message.params };
  }
  if (id !== null && ('result' in message || 'error' in message))
    return { kind: 'response', id, result: message.result, error: message.error };
  return { kind: 'invalid', id, code: 'INVALID_REQUEST', reason: 'neither a request, a notification nor a response' };
}

/** A JSON-RPC error response for a denial. */
export function errorResponse(
  id: JsonRpcId | null,
  code: McpDenialCode,
  reason: string,
): { jsonrpc: '2.0'; id: JsonRpcId | null; error: JsonRpcErrorObject } {
  return { jsonrpc: '2.0', id, error: denialToJsonRpc({ code, reason }) };
}
