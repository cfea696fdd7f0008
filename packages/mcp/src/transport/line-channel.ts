/**
 * Newline-delimited JSON over a byte stream (the MCP stdio transport), with a bound on the
 * size of one message: a longer line is discarded as it arrives, never buffered whole.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream';

/** Configuration of {@link readLines}. */
export interface LineReaderConfig {
  /** The stream to read. */
  input: Readable;
  /** Largest accepted line, in bytes. */
  maxLineBytes: number;
  /** Receives each complete line. */
  onLine: (line: string) => void;
  /** Told once per line that was too long (after it was discarded). */
  onOversized: () => void;
  /** The stream ended. */
  onEnd: () => void;
}

/** Reads lines from `input` until it ends. */
export function readLines(config: LineReaderConfig): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let discarding = false;
  config.input.on('data', (data: Buffer) => {
    let start = 0;
    for (;;) {
      const newline = data.indexOf(10, start);
      const end = newline === -1 ? data.length : newline;
      if (!discarding) {
        size += end - start;
        if (size > config.maxLineBytes) {
          discarding = true;
          chunks = [];
        } else if (end > start) {
          chunks.push(data.subarray(start, end));
        }
      }
      if (newline === -1) break;
      if (discarding) {
        config.onOversized();
      } else {
        const line = Buffer.concat(chunks).toString('utf8').trim();
        if (line.length > 0) config.onLine(line);
      }
      chunks = [];
      size = 0;
      discarding = false;
      start = newline + 1;
    }
  });
  config.input.on('end', config.onEnd);
  config.input.on('error', config.onEnd);
}

/** Writes one message as a JSON line; returns false when the stream's buffer is full. */
export function writeLine(output: Writable, message: unknown): boolean {
  if (output.destroyed || output.writableEnded) return false;
  return output.write(`${JSON.stringify(message)}\n`);
}
