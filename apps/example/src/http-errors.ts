import { WardenError, type WardenErrorCode } from '@warden/core';

const STATUS_BY_CODE: Partial<Record<WardenErrorCode, number>> = {
  INVALID_INPUT: 400,
  ACCESS_DENIED: 403,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  NOT_FOUND: 404,
  SANDBOX_NOT_FOUND: 404,
  CREDENTIAL_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  CAPABILITY_NOT_FOUND: 404,
  APPROVAL_NOT_PENDING: 409,
  CONFLICT: 409,
  KILL_SWITCH_ACTIVE: 503,
  BACKEND_UNAVAILABLE: 503,
  CAPABILITY_UNSUPPORTED: 501,
};

/** The JSON body of every error response: a stable code and a message, never a stack trace. */
export interface ErrorBody {
  /** What went wrong. */
  error: {
    /** A core error code, or `INTERNAL` for anything unexpected. */
    code: WardenErrorCode | 'INTERNAL' | 'ROUTE_NOT_FOUND' | 'PAYLOAD_TOO_LARGE';
    /** A human-readable explanation. */
    message: string;
    /** Field-level problems, for `INVALID_INPUT`. */
    issues?: readonly { path: string; message: string }[];
  };
}

/** Maps any thrown value onto an HTTP status and a JSON body; unexpected errors become a generic 500. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (WardenError.isInstance(error)) {
    const issues = (error as { issues?: readonly { path: string; message: string }[] }).issues;
    return {
      status: STATUS_BY_CODE[error.code] ?? 500,
      body: { error: { code: error.code, message: error.message, ...(issues?.length ? { issues } : {}) } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error' } } };
}
