/**
 * Output of a remote command: capped per stream, with the process-group announcement removed
 * from the start of standard error.
 *
 * @module
 */

/** Collects one stream up to a byte limit, draining (and dropping) the rest. */
export class RemoteOutput {
  /** The word that starts the announcement line: `warden-exec-pid <number>`. */
  static readonly MARKER = 'warden-exec-pid';
  /** The remote command's process group, once announced. */
  processGroup: number | undefined;
  /** True once output beyond the limit was dropped. */
  truncated = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private pending: Buffer | undefined;

  /**
   * @param limit the cap in bytes.
   * @param announced whether the stream starts with the announcement line (standard error does).
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
    const buffered = Buffer.concat([this.pending, chunk]);
    const newline = buffered.indexOf(10);
    if (newline === -1 && buffered.length < 64) {
      this.pending = buffered;
      return;
    }
    this.pending = undefined;
    const match = new RegExp(`^${RemoteOutput.MARKER} (\\d{1,10})$`).exec(
      buffered.subarray(0, Math.max(newline, 0)).toString('latin1'),
    );
    if (match?.[1]) {
      this.processGroup = Number(match[1]);
      this.keep(buffered.subarray(newline + 1));
    } else {
      this.keep(buffered);
    }
  }

  /** The captured text. */
  text(): string {
    if (this.pending !== undefined && this.pending.length > 0) this.keep(this.pending);
    this.pending = undefined;
    return Buffer.concat(this.chunks).toString('utf8');
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
