/**
 * Denials: one typed error with a stable code per reason, the same in every mode, and its
 * JSON-RPC encoding.
 *
 * @module
 */
import { WardenError, type WardenErrorCode } from '@warden/core';

/** Why Warden refused an MCP message. Stable: codes never change meaning. */
export type McpDenialCode =
  /** The kill switch is active (or its state is unknown). */
  | 'KILL_SWITCH_ACTIVE'
  /** The caller may not reach this upstream. */
  | 'ACCESS_DENIED'
  /** Policy does not let this caller use the tool. */
  | 'TOOL_DENIED'
  /** The tool is new or its definition changed since an operator pinned it. */
  | 'TOOL_NOT_PINNED'
  /** An argument broke a rule (path outside the roots, host not allowed, value not in the enumeration, too large). */
  | 'ARGUMENT_DENIED'
  /** The arguments do not match the input schema the tool declared. */
  | 'SCHEMA_MISMATCH'
  /** The resource URI is not allowed. */
  | 'RESOURCE_DENIED'
  /** The prompt is not allowed. */
  | 'PROMPT_DENIED'
  /** The call needs an approval; `approvalId` names it. */
  | 'APPROVAL_REQUIRED'
  /** The approval was rejected, cancelled or declined. */
  | 'APPROVAL_REJECTED'
  /** The approval expired before it was decided. */
  | 'APPROVAL_EXPIRED'
  /** A dependency (kill switch, approvals, audit sink, policy) could not answer, so the call was denied. */
  | 'BACKEND_UNAVAILABLE'
  /** The upstream server did not answer in time, died or could not be reached. */
  | 'UPSTREAM_UNAVAILABLE'
  /** The method is not one Warden forwards. */
  | 'METHOD_NOT_ALLOWED'
  /** The message is not valid JSON-RPC, or a batch. */
  | 'INVALID_REQUEST'
  /** The message is larger than the configured limit. */
  | 'MESSAGE_TOO_LARGE'
  /** No valid credentials (HTTP gateway). */
  | 'UNAUTHENTICATED'
  /** The `Mcp-Method` or `Mcp-Name` header does not match the body (HTTP gateway). */
  | 'HEADER_MISMATCH';

/** What a JSON-RPC error from Warden carries in `error.data.warden`. */
export interface McpDenialData {
  /** The stable denial code. */
  code: McpDenialCode;
  /** Why, for people. Names no secret. */
  reason: string;
  /** The approval to ask an operator for, with `APPROVAL_REQUIRED`. */
  approvalId?: string;
  /** Where the approval can be decided, when configured. */
  approvalUrl?: string;
}

const coreCodes: Partial<Record<McpDenialCode, WardenErrorCode>> = {
  KILL_SWITCH_ACTIVE: 'KILL_SWITCH_ACTIVE',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  UPSTREAM_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  INVALID_REQUEST: 'INVALID_INPUT',
  MESSAGE_TOO_LARGE: 'INVALID_INPUT',
  SCHEMA_MISMATCH: 'INVALID_INPUT',
};

/**
 * Warden refused an MCP message. `error.code` is core's code (`ACCESS_DENIED`,
 * `KILL_SWITCH_ACTIVE`, `BACKEND_UNAVAILABLE`, `INVALID_INPUT`); `denial` is the precise reason.
 */
export class McpDeniedError extends WardenError {
  /** The precise, stable reason. */
  readonly denial: McpDenialCode;
  /** The approval to ask for, with `APPROVAL_REQUIRED`. */
  readonly approvalId: string | undefined;

  /** @param options.denial the reason code; `approvalId` for holds. */
  constructor(options: { denial: McpDenialCode; message: string; approvalId?: string; cause?: unknown }) {
    super({ message: options.message, cause: options.cause, code: coreCodes[options.denial] ?? 'ACCESS_DENIED' });
    this.name = 'McpDeniedError';
    this.denial = options.denial;
    this.approvalId = options.approvalId;
  }
}

/** Longest denial reason sent to a client or recorded, in UTF-16 code units (the cut is marked `…`). */
const MAX_REASON_LENGTH = 1024;

/**
 * `reason` cut to 1,024 UTF-16 code units (`…` included), never between the halves of a surrogate pair. Reasons
 * quote what the caller sent (an argument's name, a URL's host, the path of a schema violation),
 * and a caller choosing a key of a megabyte would otherwise write a megabyte into the audit sink
 * with every refused call.
 */
export function boundedReason(reason: string): string {
  if (reason.length <= MAX_REASON_LENGTH) return reason;
  let end = MAX_REASON_LENGTH - 1;
  const last = reason.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${reason.slice(0, end)}…`;
}

/** JSON-RPC error code used for every Warden refusal without a closer standard one. */
export const WARDEN_JSONRPC_ERROR: number = -32001;

const jsonRpcCodes: Partial<Record<McpDenialCode, number>> = {
  INVALID_REQUEST: -32600,
  MESSAGE_TOO_LARGE: -32600,
  METHOD_NOT_ALLOWED: -32601,
  SCHEMA_MISMATCH: -32602,
};

/** A JSON-RPC error object. */
export interface JsonRpcErrorObject {
  /** JSON-RPC code. */
  code: number;
  /** Message. */
  message: string;
  /** Extra data; Warden puts its denial under `warden`. */
  data?: unknown;
}

/** Encodes a denial as a JSON-RPC error object (`error.data.warden` holds the code and reason). */
export function denialToJsonRpc(denial: McpDenialData): JsonRpcErrorObject {
  const approval = denial.approvalId ? ` (approval id ${denial.approvalId})` : '';
  return {
    code: jsonRpcCodes[denial.code] ?? WARDEN_JSONRPC_ERROR,
    message: `Warden denied: ${denial.code}: ${denial.reason}${approval}`,
    data: { warden: denial },
  };
}
