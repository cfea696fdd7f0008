import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditSink, SecurityEvent } from '@warden/core';

/** An audit sink that appends one JSON object per line to a file, and can be closed. */
export interface JsonLinesAuditLog extends AuditSink {
  /** Where the log is written. */
  readonly path: string;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/**
 * Appends every security event (already redacted by core) to `path` as JSON lines. Write errors
 * are reported to `onError` and never thrown into the request that emitted the event.
 */
export function createJsonLinesAuditLog(path: string, onError: (error: unknown) => void = () => {}): JsonLinesAuditLog {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', onError);
  return {
    path,
    write(event: SecurityEvent) {
      stream.write(`${JSON.stringify(event)}\n`);
    },
    close() {
      return new Promise((resolve) => stream.end(resolve));
    },
  };
}
