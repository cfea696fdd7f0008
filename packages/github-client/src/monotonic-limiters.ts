/**
 * Stand-ins for the Bottleneck limiters that `@octokit/plugin-throttling` schedules every request
 * through, measuring time on the monotonic clock. Bottleneck spaces jobs by `Date.now()`: after
 * the wall clock stepped back (NTP, a virtual machine restored from a snapshot), every limiter
 * that had run a job waited out the step before the next one, so each GitHub call of the process
 * hung for as long as the clock had stepped back — an hour for an hour.
 *
 * They implement only what the plugin calls: a group's `key(id).schedule(options, task, ...args)`,
 * and the retry limiter's `schedule(task, ...args)` with its `failed` listener, whose answer is
 * how many milliseconds to wait before running the job again (or nothing: do not retry).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

type Task<Result> = (...args: unknown[]) => Promise<Result>;

/** Runs at most `maxConcurrent` jobs at a time, starting each at least `minTimeMs` after the previous one. */
class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private nextStartAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxConcurrent: number,
    private readonly minTimeMs: number,
  ) {}

  async schedule<Result>(_options: unknown, task: Task<Result>, ...args: unknown[]): Promise<Result> {
    await this.acquire();
    try {
      return await task(...args);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    // A freed place is handed to the first waiter directly, so that a new job cannot take it first.
    if (this.running < this.maxConcurrent) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.minTimeMs === 0) return;
    const now = performance.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.minTimeMs;
    if (startAt > now) await sleep(startAt - now);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** A limiter per key, as a Bottleneck group: `key(id)` is the one the plugin schedules on. */
export interface LimiterGroup {
  key(id: string): Pick<Limiter, 'schedule'>;
}

/** A group of limiters (one per key) with Bottleneck's `maxConcurrent` and `minTime`. */
export function createLimiterGroup(maxConcurrent: number, minTimeMs: number): LimiterGroup {
  const limiters = new Map<string, Limiter>();
  return {
    key(id) {
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = new Limiter(maxConcurrent, minTimeMs);
        limiters.set(id, limiter);
      }
      return limiter;
    },
  };
}

/** What a `failed` listener is told: the job's arguments and how many times it was retried. */
interface FailedJob {
  args: unknown[];
  retryCount: number;
}

type FailedListener = (error: unknown, job: FailedJob) => unknown;

/** The retry limiter: runs each job at once, and again after the delay a `failed` listener answers. */
export interface RetryLimiter {
  /** Registers a listener; only `failed` is ever emitted. */
  on(event: string, listener: FailedListener): void;
  /** Runs `task(...args)`, retrying as the `failed` listeners say. */
  schedule<Result>(task: Task<Result>, ...args: unknown[]): Promise<Result>;
}

/** Creates a {@link RetryLimiter}: no spacing or concurrency of its own, as the plugin's `new Bottleneck()`. */
export function createRetryLimiter(): RetryLimiter {
  const listeners: FailedListener[] = [];
  return {
    on(event, listener) {
      if (event === 'failed') listeners.push(listener);
    },
    async schedule(task, ...args) {
      for (let retryCount = 0; ; retryCount++) {
        try {
          return await task(...args);
        } catch (error) {
          const delay = await retryDelay(listeners, error, { args, retryCount });
          if (delay === undefined) throw error;
          await sleep(delay);
        }
      }
    },
  };
}

/** The first delay a listener answers (as Bottleneck reads it: a number of milliseconds), if any. */
async function retryDelay(listeners: FailedListener[], error: unknown, job: FailedJob): Promise<number | undefined> {
  for (const answer of await Promise.all(listeners.map((listener) => listener(error, job)))) {
    if (answer !== undefined && answer !== null) {
      const delay = Math.trunc(Number(answer));
      return Number.isFinite(delay) && delay > 0 ? delay : 0;
    }
  }
  return undefined;
}
