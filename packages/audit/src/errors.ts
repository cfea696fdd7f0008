/**
 * Errors of `@warden/audit`: core's {@link WardenError} with the audit codes. `isInstance` is
 * core's (each class recognised by its own marker and its ancestors', never a sibling's).
 *
 * @module
 */
import { WardenError, type WardenErrorOptions } from '@warden/core';

/** What is wrong with an unreadable audit log. */
export type AuditCorruption =
  /** A record's checksum or length does not match its bytes. */
  | 'corrupted-record'
  /** A file ends inside a record (and it is not the torn tail of the newest segment). */
  | 'truncated-file'
  /** Segment files do not follow each other (one is missing or renamed). */
  | 'missing-segment'
  /** A record is intact but is not an audit entry or checkpoint this package wrote. */
  | 'malformed-record'
  /** A segment is not a regular file (a FIFO, a device, a directory, or a link to one). */
  | 'not-a-file'
  /** A storage directory (`entries/`, `checkpoints/`) is not a directory (a file, a FIFO, a link to one, a dangling or looping link). */
  | 'not-a-directory';

/** An audit log cannot be read back. Code `AUDIT_LOG_CORRUPTED`. */
export class AuditLogCorruptedError extends WardenError {
  /** What is wrong. */
  readonly corruption: AuditCorruption;
  /** The file at fault, when there is one. */
  readonly file: string | undefined;
  /** The byte offset in `file` where the problem starts, when known. */
  readonly offset: number | undefined;

  /** @param options.corruption what is wrong; `file` and `offset` say where. */
  constructor(options: WardenErrorOptions & { corruption: AuditCorruption; file?: string; offset?: number }) {
    super({ ...options, code: 'AUDIT_LOG_CORRUPTED' });
    this.name = 'AuditLogCorruptedError';
    this.corruption = options.corruption;
    this.file = options.file;
    this.offset = options.offset;
  }
}

/** A checkpoint, note or cosignature is not signed by the expected key (a wrong key or a forgery). Code `AUDIT_SIGNATURE_INVALID`. */
export class AuditSignatureError extends WardenError {
  /** Creates the error; the message names the key and what it failed to verify. */
  constructor(options: WardenErrorOptions) {
    super({ ...options, code: 'AUDIT_SIGNATURE_INVALID' });
    this.name = 'AuditSignatureError';
  }
}

/** One way a log differs from what was signed, naming the entry when it can be named. */
export interface AuditProblem {
  /** What kind of difference. */
  kind:
    | 'entry-modified'
    | 'entry-missing'
    | 'entry-inserted'
    | 'entry-out-of-order'
    | 'log-truncated'
    | 'root-mismatch'
    | 'checkpoint-invalid'
    | 'checkpoint-inconsistent'
    | 'malformed-entry';
  /** The first entry concerned (0-based), when known. */
  index?: number;
  /** The range of entries it lies in, `[start, end)`, when only a range is known. */
  range?: readonly [number, number];
  /** A sentence for people. */
  message: string;
}

/** The log differs from what its signed checkpoints committed to. Code `AUDIT_LOG_TAMPERED`. */
export class AuditLogTamperedError extends WardenError {
  /** Every difference found, first one first. */
  readonly problems: readonly AuditProblem[];

  /** @param options.problems what differs, each naming its entry when it can. */
  constructor(options: Partial<WardenErrorOptions> & { problems: readonly AuditProblem[] }) {
    super({
      message:
        options.message ?? `audit log tampered: ${options.problems.map((problem) => problem.message).join('; ')}`,
      cause: options.cause,
      code: 'AUDIT_LOG_TAMPERED',
    });
    this.name = 'AuditLogTamperedError';
    this.problems = options.problems;
  }
}
