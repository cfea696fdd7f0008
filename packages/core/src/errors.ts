/**
 * Typed errors shared by every Warden package.
 *
 * Every error a Warden package throws is a {@link WardenError} with a stable
 * {@link WardenErrorCode}, so callers branch on `error.code` rather than on messages.
 * `isInstance` checks use a `Symbol.for` marker per class instead of `instanceof`, so they keep
 * working when an application ends up with two copies of `@warden/core` installed. An error
 * carries its own class's marker and its ancestors', never a sibling's.
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
  /** A bound on what may be held (queued requests, payload size) is reached: nothing was stored or evicted. */
  | 'QUOTA_EXCEEDED'
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

/** Any error class, abstract or not, whatever its constructor takes. */
type ErrorClass<T> = abstract new (...args: never) => T;

const errorClassMarkers: WeakMap<object, symbol> = new WeakMap();

/**
 * Gives a core error class its own marker, `Symbol.for('@warden/core/error/<name>')`. The name
 * is spelled out (not read from `class.name`) so a minifier that renames classes cannot make two
 * classes share a marker. Called once from each class's static block.
 */
function registerErrorClass(errorClass: ErrorClass<WardenError>, name: string): void {
  errorClassMarkers.set(errorClass, Symbol.for(`@warden/core/error/${name}`));
}

/**
 * The marker of exactly this class, never an ancestor's: a subclass defined outside core (never
 * registered) gets a marker of its own, local to this copy of core, so it cannot claim a sibling.
 */
function markerOf(errorClass: ErrorClass<unknown>): symbol {
  let marker = errorClassMarkers.get(errorClass);
  if (marker === undefined) {
    marker = Symbol(`@warden/core/error/unregistered/${errorClass.name}`);
    errorClassMarkers.set(errorClass, marker);
  }
  return marker;
}

/** Whether `value` carries the marker of `errorClass`; `errorClass` is a detached `this` when not a function. */
function hasMarkerOf(errorClass: unknown, value: unknown): boolean {
  if (typeof errorClass !== 'function') {
    throw new TypeError('Call isInstance on an error class, e.g. `(e) => SandboxNotFoundError.isInstance(e)`');
  }
  const marker = markerOf(errorClass as ErrorClass<unknown>);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}

/** Root of every error thrown by Warden packages. */
export class WardenError extends Error {
  static {
    registerErrorClass(WardenError, 'WardenError');
  }

  /** Stable code to branch on. */
  readonly code: WardenErrorCode;

  /** Creates an error with an explicit code; prefer the subclasses. */
  constructor(options: WardenErrorOptions & { code: WardenErrorCode }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    // The instance carries the marker of its own class and of every ancestor up to WardenError,
    // never a sibling's. Non-enumerable, so logs and JSON do not show it.
    for (
      let errorClass: ErrorClass<unknown> = new.target;
      errorClass !== Error && typeof errorClass === 'function';
      errorClass = Object.getPrototypeOf(errorClass)
    ) {
      Object.defineProperty(this, markerOf(errorClass), { value: true, enumerable: false });
    }
    this.name = 'WardenError';
    this.code = options.code;
  }

  /**
   * True when `value` is an instance of the class this is called on (or of one of its
   * subclasses) from any copy of `@warden/core`, as when an application's `node_modules`
   * holds two versions: `SandboxNotFoundError.isInstance(error)`, `WardenError.isInstance(error)`.
   * A sibling class never matches (`SandboxNotFoundError.isInstance` of a
   * `CredentialNotFoundError` is false). Call it on the class: passed on its own
   * (`errors.filter(SandboxNotFoundError.isInstance)`) it has no class to check against and throws.
   */
  static isInstance<T>(this: abstract new (...args: never) => T, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class isInstance was called on, which picks the marker.
    return hasMarkerOf(this, value);
  }
}

/** One problem found while validating input: where, and what is wrong. */
export interface InputIssue {
  /** Dotted path of the offending field (`""` for the value itself). */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/** Input failed validation. Nothing was changed. Code `INVALID_INPUT`. */
export class InvalidInputError extends WardenError {
  static {
    registerErrorClass(InvalidInputError, 'InvalidInputError');
  }

  /** Every problem found, each naming its field. */
  readonly issues: readonly InputIssue[];

  /** @param options.issues the fields at fault; defaults to none. */
  constructor(options: WardenErrorOptions & { issues?: readonly InputIssue[] }) {
    super({ ...options, code: 'INVALID_INPUT' });
    this.name = 'InvalidInputError';
    this.issues = options.issues ?? [];
  }
}

/** Codes a {@link NotFoundError} may carry, one per kind of thing looked up. */
export type NotFoundCode = Extract<WardenErrorCode, 'NOT_FOUND' | `${string}_NOT_FOUND`>;

/** An id did not name anything the backend knows. */
export class NotFoundError extends WardenError {
  static {
    registerErrorClass(NotFoundError, 'NotFoundError');
  }

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
    this.name = 'NotFoundError';
    this.id = options.id;
  }
}

/** A sandbox id is unknown to the backend. Code `SANDBOX_NOT_FOUND`. */
export class SandboxNotFoundError extends NotFoundError {
  static {
    registerErrorClass(SandboxNotFoundError, 'SandboxNotFoundError');
  }

  /** @param options.id the sandbox id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'SANDBOX_NOT_FOUND', what: 'sandbox' });
    this.name = 'SandboxNotFoundError';
  }
}

/** A credential id is unknown to the issuer. Code `CREDENTIAL_NOT_FOUND`. */
export class CredentialNotFoundError extends NotFoundError {
  static {
    registerErrorClass(CredentialNotFoundError, 'CredentialNotFoundError');
  }

  /** @param options.id the credential id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'CREDENTIAL_NOT_FOUND', what: 'credential' });
    this.name = 'CredentialNotFoundError';
  }
}

/** An approval request id is unknown. Code `APPROVAL_NOT_FOUND`. */
export class ApprovalNotFoundError extends NotFoundError {
  static {
    registerErrorClass(ApprovalNotFoundError, 'ApprovalNotFoundError');
  }

  /** @param options.id the approval request id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'APPROVAL_NOT_FOUND', what: 'approval request' });
    this.name = 'ApprovalNotFoundError';
  }
}

/** A capability id is unknown to the capability algebra. Code `CAPABILITY_NOT_FOUND`. */
export class CapabilityNotFoundError extends NotFoundError {
  static {
    registerErrorClass(CapabilityNotFoundError, 'CapabilityNotFoundError');
  }

  /** @param options.id the capability id that was looked up. */
  constructor(options: { id: string; cause?: unknown }) {
    super({ ...options, code: 'CAPABILITY_NOT_FOUND', what: 'capability' });
    this.name = 'CapabilityNotFoundError';
  }
}

/** Policy refused the operation. Code `ACCESS_DENIED`. */
export class AccessDeniedError extends WardenError {
  static {
    registerErrorClass(AccessDeniedError, 'AccessDeniedError');
  }

  /** Creates an access-denied error; the message says which rule refused. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'ACCESS_DENIED' });
    this.name = 'AccessDeniedError';
  }
}

/**
 * A rate limit is used up for its current window, so the operation was refused and nothing was
 * counted. Unlike {@link AccessDeniedError}, the same request may succeed once the window ends.
 * Code `RATE_LIMITED`.
 */
export class RateLimitedError extends WardenError {
  static {
    registerErrorClass(RateLimitedError, 'RateLimitedError');
  }

  /** Creates the error; the message names the limit and its window. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'RATE_LIMITED' });
    this.name = 'RateLimitedError';
  }
}

/**
 * A bound on what may be held is reached (too many requests queued for one source, one gateway
 * or overall, or a payload too large to queue), so the request was refused; nothing already
 * held was evicted to make room. It may succeed once earlier requests are decided.
 * Code `QUOTA_EXCEEDED`.
 */
export class QuotaExceededError extends WardenError {
  static {
    registerErrorClass(QuotaExceededError, 'QuotaExceededError');
  }

  /** Creates the error; the message names the bound. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'QUOTA_EXCEEDED' });
    this.name = 'QuotaExceededError';
  }
}

/** The kill switch is active, so the operation was stopped. Code `KILL_SWITCH_ACTIVE`. */
export class KillSwitchActiveError extends WardenError {
  static {
    registerErrorClass(KillSwitchActiveError, 'KillSwitchActiveError');
  }

  /** Why the switch is active, when known. */
  readonly reason: string | undefined;

  /** @param options.reason the kill switch's reason, if any. */
  constructor(options: Partial<WardenErrorOptions> & { reason?: string }) {
    super({
      message: options.message ?? `Kill switch is active${options.reason ? `: ${options.reason}` : ''}`,
      cause: options.cause,
      code: 'KILL_SWITCH_ACTIVE',
    });
    this.name = 'KillSwitchActiveError';
    this.reason = options.reason;
  }
}

/** An approval request has already been decided, expired or cancelled. Code `APPROVAL_NOT_PENDING`. */
export class ApprovalNotPendingError extends WardenError {
  static {
    registerErrorClass(ApprovalNotPendingError, 'ApprovalNotPendingError');
  }

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
    this.name = 'ApprovalNotPendingError';
    this.id = options.id;
    this.status = options.status;
  }
}

/**
 * The backend cannot provide what was asked (for example `egress-only` networking without an
 * egress proxy). Refused rather than silently weakened. Code `CAPABILITY_UNSUPPORTED`.
 */
export class CapabilityUnsupportedError extends WardenError {
  static {
    registerErrorClass(CapabilityUnsupportedError, 'CapabilityUnsupportedError');
  }

  /** Creates the error; the message names the unsupported feature and the alternative. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'CAPABILITY_UNSUPPORTED' });
    this.name = 'CapabilityUnsupportedError';
  }
}

/** The backing service (Docker, Redis, GitHub) could not be reached or failed. Code `BACKEND_UNAVAILABLE`. */
export class BackendUnavailableError extends WardenError {
  static {
    registerErrorClass(BackendUnavailableError, 'BackendUnavailableError');
  }

  /** Which backend failed, for example `redis` or `docker`. */
  readonly backend: string;

  /** @param options.backend the name of the failing backend. */
  constructor(options: WardenErrorOptions & { backend: string }) {
    super({ ...options, code: 'BACKEND_UNAVAILABLE' });
    this.name = 'BackendUnavailableError';
    this.backend = options.backend;
  }
}

/** A sandbox limit or hardening setting did not take effect, so the sandbox was refused. Code `SANDBOX_HARDENING_FAILED`. */
export class SandboxHardeningError extends WardenError {
  static {
    registerErrorClass(SandboxHardeningError, 'SandboxHardeningError');
  }

  /** The settings that did not take, each as `setting: expected … got …`. */
  readonly failures: readonly string[];

  /** @param options.failures each setting that did not take. */
  constructor(options: Partial<WardenErrorOptions> & { failures: readonly string[] }) {
    super({
      message: options.message ?? `Sandbox refused, hardening did not take: ${options.failures.join('; ')}`,
      cause: options.cause,
      code: 'SANDBOX_HARDENING_FAILED',
    });
    this.name = 'SandboxHardeningError';
    this.failures = options.failures;
  }
}

/** An adapter implements another version of a port than the caller expects. Code `UNSUPPORTED_SPECIFICATION`. */
export class UnsupportedSpecificationError extends WardenError {
  static {
    registerErrorClass(UnsupportedSpecificationError, 'UnsupportedSpecificationError');
  }

  /** Creates the error; the message names expected and actual versions. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'UNSUPPORTED_SPECIFICATION' });
    this.name = 'UnsupportedSpecificationError';
  }
}

/** A concurrent change won a race (a compare-and-set failed). Code `CONFLICT`. */
export class ConflictError extends WardenError {
  static {
    registerErrorClass(ConflictError, 'ConflictError');
  }

  /** Creates the error; the message names what changed underneath. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'CONFLICT' });
    this.name = 'ConflictError';
  }
}
