/**
 * Output of a remote command: capped per stream, with the process-group announcement removed
 * from standard error (after whatever gh and the login shell write before it).
 *
 * @module
 */

import { completeUtf8Length } from '@warden/core';

const MARKER = 'warden-exec-pid';

/** The announcement line, without its newline. */
const ANNOUNCEMENT = new RegExp(`^${MARKER} (\\d{1,10})$`);

/** How much of standard error may come before the announcement (what gh and the login shell write). */
const MAX_PREAMBLE_BYTES = 65_536;

/** Collects one stream up to a byte limit, draining (and dropping) the rest. */
export class RemoteOutput {
  /** The word that starts the announcement line: `warden-exec-pid <number>`. */
  static readonly MARKER: string = MARKER;
  /** The remote command's process group, once announced. */
  processGroup: number | undefined;
  /** True once output beyond the limit was dropped. */
  truncated = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private pending: Buffer | undefined;
  /** Bytes of standard error before the announcement. */
  private preamble = 0;

  /**
   * @param limit the cap in bytes.
   * @param announced whether the stream carries the announcement line (standard error does).
   */
  constructor(
    private readonly limit: number,
    announced: boolean,
  ) {
    this.pending = announced ? Buffer.alloc(0) : undefined;
  }

  /** Adds a chunk. */
  push(chunk: Buffer): void {
    if (this.pending === undefined) {
      this.keep(chunk);
      return;
    }
    let buffered = Buffer.concat([this.pending, chunk]);
    // Lines before the announcement come from gh or the login shell (a locale warning), never
    // from the command, which starts after it: they are output, and the search goes on. Once
    // found, nothing the command writes is taken for an announcement.
    for (let newline = buffered.indexOf(10); newline !== -1; newline = buffered.indexOf(10)) {
      const match = ANNOUNCEMENT.exec(buffered.subarray(0, newline).toString('latin1'));
      if (match?.[1]) {
        this.processGroup = Number(match[1]);
        this.pending = undefined;
        this.keep(buffered.subarray(newline + 1));
        return;
      }
      this.keep(buffered.subarray(0, newline + 1));
      this.preamble += newline + 1;
      buffered = buffered.subarray(newline + 1);
    }
    // Bounded: a stream that announces nothing within MAX_PREAMBLE_BYTES never will.
    if (this.preamble + buffered.length > MAX_PREAMBLE_BYTES) {
      this.pending = undefined;
      this.keep(buffered);
      return;
    }
    this.pending = buffered;
  }

  /** The captured text; when the cap cut the output, it ends before a character the cap split. */
  text(): string {
    if (this.pending !== undefined && this.pending.length > 0) this.keep(this.pending);
    this.pending = undefined;
    const kept = Buffer.concat(this.chunks);
    // Decoded as it is, a character the cap split becomes U+FFFD (three bytes), so the text would be
    // no prefix of the output and could pass the cap.
    return kept.toString('utf8', 0, this.truncated ? completeUtf8Length(kept) : kept.length);
  }

  private keep(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0 || chunk.length === 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
}
