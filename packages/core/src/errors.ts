/**
 * Typed errors shared by every Warden package.
 *
 * Every error a Warden package throws is a {@link WardenError} with a stable
 * {@link WardenErrorCode}, so callers branch on `error.code` rather than on messages.
 * `isInstance` checks use a `Symbol.for` marker instead of `instanceof`, so they keep
 * working when an application ends up with two copies of `@warden/core` installed.
 *
 * @module
 */

/**
 * Stable machine-readable codes carried by every {@link WardenError} (and by refusals reported
 * as results, such as the gateway's `ForwardResult.code`). Each code names one kind of failure
 * a caller handles differently; codes are UPPER_SNAKE and never change meaning.
 */
export type WardenErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'SANDBOX_NOT_FOUND'
  | 'CREDENTIAL_NOT_FOUND'
  | 'APPROVAL_NOT_FOUND'
  | 'CAPABILITY_NOT_FOUND'
  | 'ACCESS_DENIED'
  /** A rate limit is used up for its current window: the same request may succeed once the window ends. */
  | 'RATE_LIMITED'
  | 'KILL_SWITCH_ACTIVE'
  | 'APPROVAL_NOT_PENDING'
  | 'CAPABILITY_UNSUPPORTED'
  | 'BACKEND_UNAVAILABLE'
  | 'SANDBOX_HARDENING_FAILED'
  | 'UNSUPPORTED_SPECIFICATION'
  | 'CONFLICT'
  /** An audit log's storage cannot be read back: a corrupted record, a truncated file, a missing segment. */
  | 'AUDIT_LOG_CORRUPTED'
  /** An audit log checkpoint or cosignature is not signed by the expected key. */
  | 'AUDIT_SIGNATURE_INVALID'
  /** An audit log differs from what its signed checkpoints committed to (an edit, deletion, insertion, reordering or truncation). */
  | 'AUDIT_LOG_TAMPERED';

/** Constructor options shared by every {@link WardenError}. */
export interface WardenErrorOptions {
  /** Human-readable explanation. Must never contain a secret value. */
  message: string;
  /** The underlying error, kept for diagnosis. */
  cause?: unknown;
}

const wardenErrorMarker: symbol = Symbol.for('@warden/core.error');

/** Brands an error with a non-enumerable marker that survives duplicate installs of core. */
function markAs(error: Error, marker: symbol): void {
  Object.defineProperty(error, marker, { value: true, enumerable: false });
}

function hasMarker(value: unknown, marker: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}

/** Root of every error thrown by Warden packages. */
export class WardenError extends Error {
  /** Stable code to branch on. */
  readonly code: WardenErrorCode;

  /** Creates an error with an explicit code; prefer the subclasses. */
  constructor(options: WardenErrorOptions & { code: WardenErrorCode }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    markAs(this, wardenErrorMarker);
    this.name = 'WardenError';
    this.code = options.code;
  }

  /** True when `value` is a WardenError from any copy of `@warden/core`. */
  static isInstance(value: unknown): value is WardenError {
    return hasMarker(value, wardenErrorMarker);
  }
}

/** One problem found while validating input: where, and what is wrong. */
export interface InputIssue {
  /** Dotted path of the offending field (`""` for the value itself). */
  path: string;
  /** What is wrong with it. */
  message: string;
}

const invalidInputMarker: symbol = Symbol.for('@warden/core.error.invalid-input');

/** Input failed validation. Nothing was changed. Code `INVALID_INPUT`. */
export class InvalidInputError extends WardenError {
  /** Every problem found, each naming its field. */
  readonly issues: readonly InputIssue[];

  /** @param options.issues the fields at fault; defaults to none. */
  constructor(options: WardenErrorOptions & { issues?: readonly InputIssue[] }) {
    super({ ...options, code: 'INVALID_INPUT' });
    markAs(this, invalidInputMarker);
    this.name = 'InvalidInputError';
    this.issues = options.issues ?? [];
  }

  /** True when `value` is an InvalidInputError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is InvalidInputError {
    return hasMarker(value, invalidInputMarker);
  }
}

/** Codes a {@link NotFoundError} may carry, one per kind of thing looked up. */
export type NotFoundCode = Extract<WardenErrorCode, 'NOT_FOUND' | `${string}_NOT_FOUND`>;

const notFoundMarker: symbol = Symbol.for('@warden/core.error.not-found');

/** An id did not name anything the backend knows. */
export class NotFoundError extends WardenError {
  /** The id that was looked up. */
  readonly id: string;

  /** @param options.code the specific not-found code; defaults to `NOT_FOUND`. */
  constructor(options: Partial<WardenErrorOptions> & { id: string; code?: NotFoundCode; what?: string }) {
    const what = options.what ?? 'resource';
    super({
      message: options.message ?? `No ${what} with id "${options.id}"`,
      cause: options.cause,
      code: options.code ?? 'NOT_FOUND',
    });
    markAs(this, notFoundMarker);
    this.name = 'NotFoundError';
    this.id = options.id;
  }

  /** True when `value` is a NotFoundError (or a subclass) from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is NotFoundError {
    return hasMarker(value, notFoundMarker);
  }
}

/** A sandbox id is unknown to the backend. Code `SANDBOX_NOT_FOUND`. */
export class SandboxNotFoundError extends NotFoundError {
  /** @param options.id the sandbox id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'SANDBOX_NOT_FOUND', what: 'sandbox' });
    this.name = 'SandboxNotFoundError';
  }
}

/** A credential id is unknown to the issuer. Code `CREDENTIAL_NOT_FOUND`. */
export class CredentialNotFoundError extends NotFoundError {
  /** @param options.id the credential id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'CREDENTIAL_NOT_FOUND', what: 'credential' });
    this.name = 'CredentialNotFoundError';
  }
}

/** An approval request id is unknown. Code `APPROVAL_NOT_FOUND`. */
export class ApprovalNotFoundError extends NotFoundError {
  /** @param options.id the approval request id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'APPROVAL_NOT_FOUND', what: 'approval request' });
    this.name = 'ApprovalNotFoundError';
  }
}

/** A capability id is unknown to the capability algebra. Code `CAPABILITY_NOT_FOUND`. */
export class CapabilityNotFoundError extends NotFoundError {
  /** @param options.id the capability id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'CAPABILITY_NOT_FOUND', what: 'capability' });
    this.name = 'CapabilityNotFoundError';
  }
}

const accessDeniedMarker: symbol = Symbol.for('@warden/core.error.access-denied');

/** Policy refused the operation. Code `ACCESS_DENIED`. */
export class AccessDeniedError extends WardenError {
  /** Creates an access-denied error; the message says which rule refused. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'ACCESS_DENIED' });
    markAs(this, accessDeniedMarker);
    this.name = 'AccessDeniedError';
  }

  /** True when `value` is an AccessDeniedError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is AccessDeniedError {
    return hasMarker(value, accessDeniedMarker);
  }
}

const rateLimitedMarker: symbol = Symbol.for('@warden/core.error.rate-limited');

/**
 * A rate limit is used up for its current window, so the operation was refused and nothing was
 * counted. Unlike {@link AccessDeniedError}, the same request may succeed once the window ends.
 * Code `RATE_LIMITED`.
 */
export class RateLimitedError extends WardenError {
  /** Creates the error; the message names the limit and its window. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'RATE_LIMITED' });
    markAs(this, rateLimitedMarker);
    this.name = 'RateLimitedError';
  }

  /** True when `value` is a RateLimitedError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is RateLimitedError {
    return hasMarker(value, rateLimitedMarker);
  }
}

const killSwitchActiveMarker: symbol = Symbol.for('@warden/core.error.kill-switch-active');

/** The kill switch is active, so the operation was stopped. Code `KILL_SWITCH_ACTIVE`. */
export class KillSwitchActiveError extends WardenError {
  /** Why the switch is active, when known. */
  readonly reason: string | undefined;

  /** @param options.reason the kill switch's reason, if any. */
  constructor(options: Partial<WardenErrorOptions> & { reason?: string }) {
    super({
      message: options.message ?? `Kill switch is active${options.reason ? `: ${options.reason}` : ''}`,
      cause: options.cause,
      code: 'KILL_SWITCH_ACTIVE',
    });
    markAs(this, killSwitchActiveMarker);
    this.name = 'KillSwitchActiveError';
    this.reason = options.reason;
  }

  /** True when `value` is a KillSwitchActiveError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is KillSwitchActiveError {
    return hasMarker(value, killSwitchActiveMarker);
  }
}

const approvalNotPendingMarker: symbol = Symbol.for('@warden/core.error.approval-not-pending');

/** An approval request has already been decided, expired or cancelled. Code `APPROVAL_NOT_PENDING`. */
export class ApprovalNotPendingError extends WardenError {
  /** The request's id. */
  readonly id: string;
  /** The request's status at the time of the call. */
  readonly status: string;

  /** @param options.status the status the request is in instead of `pending`. */
  constructor(options: Partial<WardenErrorOptions> & { id: string; status: string }) {
    super({
      message: options.message ?? `Approval request "${options.id}" is ${options.status}, not pending`,
      cause: options.cause,
      code: 'APPROVAL_NOT_PENDING',
    });
    markAs(this, approvalNotPendingMarker);
    this.name = 'ApprovalNotPendingError';
    this.id = options.id;
    this.status = options.status;
  }

  /** True when `value` is an ApprovalNotPendingError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is ApprovalNotPendingError {
    return hasMarker(value, approvalNotPendingMarker);
  }
}

const capabilityUnsupportedMarker: symbol = Symbol.for('@warden/core.error.capability-unsupported');

/**
 * The backend cannot provide what was asked (for example `egress-only` networking without an
 * egress proxy). Refused rather than silently weakened. Code `CAPABILITY_UNSUPPORTED`.
 */
export class CapabilityUnsupportedError extends WardenError {
  /** Creates the error; the message names the unsupported feature and the alternative. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'CAPABILITY_UNSUPPORTED' });
    markAs(this, capabilityUnsupportedMarker);
    this.name = 'CapabilityUnsupportedError';
  }

  /** True when `value` is a CapabilityUnsupportedError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is CapabilityUnsupportedError {
    return hasMarker(value, capabilityUnsupportedMarker);
  }
}

const backendUnavailableMarker: symbol = Symbol.for('@warden/core.error.backend-unavailable');

/** The backing service (Docker, Redis, GitHub) could not be reached or failed. Code `BACKEND_UNAVAILABLE`. */
export class BackendUnavailableError extends WardenError {
  /** Which backend failed, for example `redis` or `docker`. */
  readonly backend: string;

  /** @param options.backend the name of the failing backend. */
  constructor(options: WardenErrorOptions & { backend: string }) {
    super({ ...options, code: 'BACKEND_UNAVAILABLE' });
    markAs(this, backendUnavailableMarker);
    this.name = 'BackendUnavailableError';
    this.backend = options.backend;
  }

  /** True when `value` is a BackendUnavailableError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is BackendUnavailableError {
    return hasMarker(value, backendUnavailableMarker);
  }
}

const sandboxHardeningMarker: symbol = Symbol.for('@warden/core.error.sandbox-hardening');

/** A sandbox limit or hardening setting did not take effect, so the sandbox was refused. Code `SANDBOX_HARDENING_FAILED`. */
export class SandboxHardeningError extends WardenError {
  /** The settings that did not take, each as `setting: expected … got …`. */
  readonly failures: readonly string[];

  /** @param options.failures each setting that did not take. */
  constructor(options: Partial<WardenErrorOptions> & { failures: readonly string[] }) {
    super({
      message: options.message ?? `Sandbox refused, hardening did not take: ${options.failures.join('; ')}`,
      cause: options.cause,
      code: 'SANDBOX_HARDENING_FAILED',
    });
    markAs(this, sandboxHardeningMarker);
    this.name = 'SandboxHardeningError';
    this.failures = options.failures;
  }

  /** True when `value` is a SandboxHardeningError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is SandboxHardeningError {
    return hasMarker(value, sandboxHardeningMarker);
  }
}

const unsupportedSpecificationMarker: symbol = Symbol.for('@warden/core.error.unsupported-specification');

/** An adapter implements another version of a port than the caller expects. Code `UNSUPPORTED_SPECIFICATION`. */
export class UnsupportedSpecificationError extends WardenError {
  /** Creates the error; the message names expected and actual versions. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'UNSUPPORTED_SPECIFICATION' });
    markAs(this, unsupportedSpecificationMarker);
    this.name = 'UnsupportedSpecificationError';
  }

  /** True when `value` is an UnsupportedSpecificationError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is UnsupportedSpecificationError {
    return hasMarker(value, unsupportedSpecificationMarker);
  }
}

const conflictMarker: symbol = Symbol.for('@warden/core.error.conflict');

/** A concurrent change won a race (a compare-and-set failed). Code `CONFLICT`. */
export class ConflictError extends WardenError {
  /** Creates the error; the message names what changed underneath. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'CONFLICT' });
    markAs(this, conflictMarker);
    this.name = 'ConflictError';
  }

  /** True when `value` is a ConflictError from any copy of `@warden/core`. */
  static override isInstance(value: unknown): value is ConflictError {
    return hasMarker(value, conflictMarker);
  }
}
