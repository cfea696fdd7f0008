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

/** Writes JSON lines to one stream, coalesced: see {@link createLineWriter}. */
export interface LineWriter {
  /** Queues one message as a JSON line; it is written before the event loop next waits for I/O. */
  write(message: unknown): void;
}

/** Configuration of {@link createLineWriter}. */
export interface LineWriterConfig {
  /** The stream to write. */
  output: Writable;
  /** Told when a write filled the stream's buffer (the reader is slow); `output` emits `drain` later. */
  onFull?: () => void;
}

/**
 * A writer that gathers every line queued during one turn of the event loop and writes them with
 * one `write` (one system call), in order. Each write to a pipe wakes its reader, and that
 * wake-up, not the bytes, is most of a relayed message's CPU cost: at a concurrency of 8 a read
 * often carries several messages, and their answers leave together. Nothing waits on a timer:
 * the batch is flushed in the same turn (`setImmediate`, before the loop polls again).
 */
export function createLineWriter(config: LineWriterConfig): LineWriter {
  const { output } = config;
  let queued = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const text = queued;
    queued = '';
    if (output.destroyed || output.writableEnded) return;
    if (!output.write(text)) config.onFull?.();
  };
  return {
    write(message) {
      queued += `${JSON.stringify(message)}\n`;
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
  };
}
