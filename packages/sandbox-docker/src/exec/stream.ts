/**
 * Byte-stream helpers for the Engine API's attach and exec streams: the 8-byte frame header
 * that separates stdout from stderr when there is no TTY, a line splitter, and a capped buffer.
 *
 * @module
 */

import { completeUtf8Length } from '@warden/core';

/** Stream numbers in a Docker frame header. */
export type DockerStreamType = 0 | 1 | 2;

/**
 * Returns a function that takes raw chunks of a multiplexed Docker stream and calls `onFrame`
 * with each frame's stream (1 stdout, 2 stderr) and payload, however the chunks are cut.
 */
export function createFrameDemuxer(
  onFrame: (stream: DockerStreamType, payload: Buffer) => void,
): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const length = pending.readUInt32BE(4);
      if (pending.length < 8 + length) break;
      const stream = pending[0] === 2 ? 2 : pending[0] === 0 ? 0 : 1;
      onFrame(stream, pending.subarray(8, 8 + length));
      pending = pending.subarray(8 + length);
    }
  };
}

/** Limits of a {@link createLineSplitter}: lines longer than `maxLineBytes()` are a protocol violation. */
export interface LineLimit {
  /** The longest line accepted right now, in bytes. */
  maxLineBytes: () => number;
  /** Called once when a line grows past the limit; no line is delivered after it. */
  onOverflow: () => void;
}

/**
 * Returns a function that takes chunks and calls `onLine` with each complete line (without `\n`),
 * as latin1 text. With a `limit`, a line longer than allowed stops the splitter, so a peer that
 * never sends a newline cannot make the host buffer without bound.
 */
export function createLineSplitter(onLine: (line: string) => void, limit?: LineLimit): (chunk: Buffer) => void {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let stopped = false;
  const tooLong = (): boolean => limit !== undefined && partialBytes > limit.maxLineBytes();
  const stop = (): void => {
    stopped = true;
    partial = [];
    limit?.onOverflow();
  };
  return (chunk) => {
    if (stopped) return;
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      partial.push(chunk.subarray(start, newline));
      partialBytes += newline - start;
      start = newline + 1;
      if (tooLong()) return stop();
      const line = partial.length === 1 ? (partial[0] as Buffer) : Buffer.concat(partial);
      partial = [];
      partialBytes = 0;
      onLine(line.toString('latin1'));
    }
    if (start < chunk.length) {
      partial.push(chunk.subarray(start));
      partialBytes += chunk.length - start;
    }
    if (tooLong()) stop();
  };
}

/** Collects bytes up to a cap and remembers whether more arrived. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private received = 0;
  // Three bytes past the cap, as the supervisor's capture keeps: every result is cut at the cap.
  private readonly keepBytes: number;

  /** @param capBytes the most bytes of text returned. */
  constructor(private readonly capBytes: number) {
    this.keepBytes = capBytes + 3;
  }

  /** True once more than the cap arrived. */
  get truncated(): boolean {
    return this.received > this.capBytes;
  }

  /** Keeps what fits under the cap of `chunk`. */
  push(chunk: Buffer): void {
    this.received += chunk.length;
    const room = this.keepBytes - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** The kept bytes: up to three past the cap. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The kept bytes as UTF-8 text, never longer than the cap in bytes. */
  text(): string {
    return utf8Prefix(Buffer.concat(this.chunks), this.capBytes);
  }
}

/**
 * Decodes at most `capBytes` of `bytes` as UTF-8, cutting before a character that would be split,
 * and never returns text whose UTF-8 encoding exceeds `capBytes`: invalid bytes decode to U+FFFD
 * (three bytes each), so binary output is cut shorter (use `encoding: 'buffer'` for raw bytes).
 */
export function utf8Prefix(bytes: Buffer, capBytes: number): string {
  const end = bytes.length > capBytes ? completeUtf8Length(bytes.subarray(0, capBytes)) : bytes.length;
  const text = bytes.toString('utf8', 0, end);
  if (Buffer.byteLength(text) <= capBytes) return text;
  let kept = 0;
  let cut = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character);
    if (kept + size > capBytes) break;
    kept += size;
    cut += character.length;
  }
  return text.slice(0, cut);
}
