/**
 * A warm pool: sandboxes started ahead of time so `create` is a hand-out. Refilled in the
 * background with promises only — no timers — and emptied by `close()`, after which nothing it
 * started keeps the process alive.
 *
 * @module
 */

/** What the pool needs to make, check and discard its items. */
export interface WarmPoolOptions<Item> {
  /** How many items to keep ready. */
  size: number;
  /** Starts one item. */
  make: () => Promise<Item>;
  /** Releases an item that will not be handed out. */
  discard: (item: Item) => Promise<void>;
  /** False for an item that died while waiting; it is discarded instead of handed out. */
  isAlive: (item: Item) => boolean;
}

/** Keeps `size` items ready and refills after each hand-out. */
export class WarmPool<Item> {
  private readonly idle: Item[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  // After a failed start the pool waits for the next hand-out or warmUp() instead of retrying in a loop.
  private failed = false;
  /** The last error a refill met, for diagnosis. */
  lastError: unknown;

  /** @param options how to make and discard items. */
  constructor(private readonly options: WarmPoolOptions<Item>) {}

  /** Ready items right now. */
  get available(): number {
    return this.idle.length;
  }

  /** Hands out a ready item, or undefined when none is ready; starts a refill either way. */
  take(): Item | undefined {
    this.failed = false;
    let item = this.idle.shift();
    while (item !== undefined && !this.options.isAlive(item)) {
      this.options.discard(item).catch(() => {});
      item = this.idle.shift();
    }
    this.refill();
    return item;
  }

  /** Fills the pool and resolves once it is full, or rejects with the error that stopped it. */
  async warmUp(): Promise<void> {
    this.failed = false;
    this.refill();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    if (!this.closed && this.idle.length < this.options.size && this.lastError !== undefined) throw this.lastError;
  }

  /** Stops refilling, waits for starts in progress, and discards every item. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.idle.splice(0).map((item) => this.options.discard(item)));
  }

  /** Starts filling the pool in the background; returns at once. */
  refill(): void {
    while (!this.closed && !this.failed && this.idle.length + this.inFlight.size < this.options.size) {
      const start: Promise<void> = this.options.make().then(
        async (item) => {
          if (this.closed) await this.options.discard(item);
          else this.idle.push(item);
        },
        (error: unknown) => {
          this.lastError = error;
          this.failed = true;
        },
      );
      const tracked = start.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
  }
}
