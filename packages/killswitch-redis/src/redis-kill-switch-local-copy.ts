import type { KillSwitchListener, KillSwitchState } from '@warden/core';
import type { RedisKillSwitchFailMode } from './redis-kill-switch-config.js';
import type { KillSwitchRecord } from './redis-kill-switch-record.js';

/**
 * How often an inactive answer of `isActive()` reads the monotonic clock itself, besides the
 * deadline timer: bounds how many answers a stalled event loop (which delays the timer) can give
 * from a copy that has gone stale.
 */
export const CLOCK_CHECK_EVERY = 32;

/** What `getState()` of a Redis kill switch reports. */
export interface RedisKillSwitchState extends KillSwitchState {
  /** The switch's name. */
  name: string;
  /** The number of the last change this instance has seen (0: none, or not read yet). */
  version: number;
  /** True when Redis has not confirmed the state within `staleAfterMs`. */
  stale: boolean;
  /**
   * True when Redis answered but holds no state this instance can trust: no record at all (first
   * deployment, data loss, wrong database), one nobody can parse, or (with `verifyKey`) one not
   * signed by the operator. The switch then answers active; `reason` says what to do.
   */
  unknown?: boolean;
  /**
   * True when this instance activated itself because Redis could not be reached: the stop
   * holds here until an `activate()` reaches Redis or `deactivate()` is called on this instance.
   */
  localOnly?: boolean;
}

/** What an instance made of a read: a record it trusts, or an unknown state and why. */
export type TrustedState = { kind: 'known'; record: KillSwitchRecord } | { kind: 'unknown'; why: string };

/** An activation that could not be written to Redis. */
export interface LocalActivation {
  /** Why. */
  reason: string;
  /** Who. */
  actor?: string;
  /** When (ISO-8601). */
  changedAt: string;
}

/** What the local copy needs to know. */
export interface LocalCopyOptions {
  /** The switch's name, for reasons and state. */
  name: string;
  /** How old the last confirmation may be before the copy is stale. */
  staleAfterMs: number;
  /** How a stale copy answers. */
  failMode: RedisKillSwitchFailMode;
  /** Monotonic time source (ms): a wall clock that steps must never make a copy look fresh. */
  monotonicNow: () => number;
  /** Told about listener exceptions. */
  onError: (error: unknown) => void;
}

/**
 * One instance's copy of the switch: the last state Redis confirmed and when (monotonic), plus a
 * local activation that could not be written. `isActive()` reads only this, so a check costs no
 * round trip; it fails closed when the copy is stale, never read, or unknown.
 */
export class KillSwitchLocalCopy {
  private state: TrustedState | undefined;
  private confirmedAt: number | undefined;
  private localActivation: LocalActivation | undefined;
  /** Activations of this instance on their way to Redis: each holds the stop here until it settles. */
  private readonly activationsInFlight = new Set<LocalActivation>();
  private readonly listeners = new Set<KillSwitchListener>();
  /** What listeners were last told; `undefined`: nothing yet (they assume an inactive, fresh switch). */
  private notifiedKey: string | undefined;
  private firstReadSettled = false;
  private readonly failClosed: boolean;
  /** What `isActive()` answers; recomputed whenever the state, the pin or the staleness changes. */
  private answer = true;
  private callsSinceClockCheck = 0;
  /** Flips {@link answer} when the copy goes stale; unref'd, so it never keeps the process alive. */
  private deadlineTimer: NodeJS.Timeout | undefined;

  /** Starts empty: never read, so stale. */
  constructor(private readonly options: LocalCopyOptions) {
    this.failClosed = options.failMode === 'closed';
    this.answer = this.computeAnswer();
  }

  /**
   * The hot path of `isActive()`: a precomputed answer, no allocation. An active answer needs no
   * clock (stale or not, it denies). An inactive one stops being given when the freshness deadline
   * passes: a timer flips it then, and, because a busy event loop delays timers, the monotonic
   * clock is also read every {@link CLOCK_CHECK_EVERY}th inactive answer. Reading the clock on
   * every call cost more than everything else in the call (it is a system call on some hosts).
   */
  isActive(): boolean {
    if (this.answer) return true;
    this.callsSinceClockCheck += 1;
    if (this.callsSinceClockCheck >= CLOCK_CHECK_EVERY) this.checkDeadline();
    return this.answer;
  }

  /** True when Redis has not confirmed the state within `staleAfterMs`. */
  isStale(): boolean {
    return this.confirmedAt === undefined || this.options.monotonicNow() - this.confirmedAt > this.options.staleAfterMs;
  }

  /** The trusted record held, if any. */
  record(): KillSwitchRecord | undefined {
    return this.state?.kind === 'known' ? this.state.record : undefined;
  }

  /** True once Redis answered a read (whatever it held). */
  hasRead(): boolean {
    return this.state !== undefined;
  }

  /**
   * Takes what Redis holds: Redis answered, so the copy is fresh again, as of `readAt` (monotonic
   * ms; default now), when the read was sent. A reply can take up to `commandTimeoutMs` to arrive,
   * and what it carries is as old as the read, not as its arrival: one delayed past `staleAfterMs`
   * arrives stale. `clearLocalActivation` drops a local-only activation in the same step (one
   * notification). `confirmed: false` takes a state without making the copy fresh (a verified
   * message: only a read confirms that Redis answers). Returns the state held before.
   */
  accept(
    state: TrustedState,
    options: { clearLocalActivation?: boolean; confirmed?: boolean; readAt?: number } = {},
  ): TrustedState | undefined {
    const previous = this.state;
    const confirmed = options.confirmed ?? true;
    const now = this.options.monotonicNow();
    if (confirmed) this.confirmedAt = Math.max(this.confirmedAt ?? Number.NEGATIVE_INFINITY, options.readAt ?? now);
    if (options.clearLocalActivation) this.localActivation = undefined;
    this.state = state;
    this.answer = this.computeAnswer();
    if (confirmed && this.confirmedAt !== undefined) {
      this.armDeadline(Math.max(0, this.confirmedAt + this.options.staleAfterMs - now));
    }
    this.notifyIfChanged();
    return previous;
  }

  /** Holds an activation on this instance only, until {@link accept} clears it. */
  pinLocalActivation(activation: LocalActivation): void {
    this.localActivation = activation;
    this.answer = true;
    this.notifyIfChanged();
  }

  /**
   * Holds an activation on this instance while it is on its way to Redis, so the stop answers from
   * the call on, not from Redis's reply (which a slow or paused Redis delays up to
   * `commandTimeoutMs`, and `WAIT` longer). Listeners are not told: they hear the outcome, the
   * change taken or held locally. Returns the function that lets go of it once that is settled.
   */
  holdWhileActivating(activation: LocalActivation): () => void {
    this.activationsInFlight.add(activation);
    this.answer = true;
    return () => {
      this.activationsInFlight.delete(activation);
      this.answer = this.computeAnswer();
    };
  }

  /** True while an activation holds on this instance only. */
  hasLocalActivation(): boolean {
    return this.localActivation !== undefined;
  }

  /** The state as `getState()` reports it: an activation on its way to Redis holds, local only so far. */
  view(): RedisKillSwitchState {
    return this.viewOf(this.localActivation ?? [...this.activationsInFlight].at(-1));
  }

  /** The state with `local` (an activation held on this instance), if any, taking precedence. */
  private viewOf(local: LocalActivation | undefined): RedisKillSwitchState {
    const stale = this.isStale();
    const { name } = this.options;
    const state = this.state;
    const record = state?.kind === 'known' ? state.record : undefined;
    const version = record?.version ?? 0;
    if (local) return { name, version, stale, active: true, localOnly: true, ...local };
    const { signature: _signature, basis: _basis, ...stored } = record ?? { version, active: false };
    if (stale && !stored.active && (this.failClosed || state?.kind !== 'known')) {
      return { name, ...stored, active: true, reason: this.staleReason(), stale };
    }
    if (state?.kind === 'unknown') return { name, version, active: true, reason: state.why, stale, unknown: true };
    return { name, ...stored, stale };
  }

  /** Subscribes to changes of {@link view}; returns the unsubscribe function. */
  subscribe(listener: KillSwitchListener): () => void {
    const registered: KillSwitchListener = (state) => listener(state);
    this.listeners.add(registered);
    return () => {
      this.listeners.delete(registered);
    };
  }

  /**
   * Marks the first read as over (successful or not): from now on a copy without any state is
   * news (it is stale). Before, only a state actually taken or a local activation is.
   */
  markFirstReadSettled(): void {
    this.firstReadSettled = true;
  }

  /**
   * Tells listeners when the state (or its staleness) changed since they were last told. They
   * start out having "seen" an inactive, fresh switch, so a first read that finds it inactive is
   * no news, while an active or unknown one (or a Redis that does not answer) is.
   */
  notifyIfChanged(): void {
    if (!this.state && !this.localActivation && !this.firstReadSettled) return;
    // Without the activations in flight: listeners hear how each settles, once.
    const state = this.viewOf(this.localActivation);
    const key = JSON.stringify([
      state.version,
      state.active,
      state.stale,
      state.localOnly ?? false,
      state.unknown ?? false,
      state.reason ?? null,
      state.changedAt ?? null,
    ]);
    if (key === this.notifiedKey) return;
    const first = this.notifiedKey === undefined;
    this.notifiedKey = key;
    if (first && !state.active && !state.stale) return;
    for (const listener of [...this.listeners]) {
      try {
        listener({ ...state });
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  /**
   * The switch was closed: listeners are told nothing more. The deadline timer (unref'd) still
   * flips the answer, so a closed switch fails closed like one that lost Redis.
   */
  close(): void {
    this.listeners.clear();
  }

  /** The answer as of now, read from the monotonic clock: what `isActive()` must return. */
  private computeAnswer(): boolean {
    if (this.localActivation || this.activationsInFlight.size > 0) return true;
    const state = this.state;
    if (state && !this.isStale()) return state.kind === 'known' ? state.record.active : true;
    // `failMode: 'open'` answers the last state Redis confirmed; a copy never read has none: it is
    // unknown (whoever cut the link before this process started chose nothing), and unknown denies.
    if (this.failClosed || !state) return true;
    return state.kind !== 'known' || state.record.active;
  }

  /** Reads the clock: once the freshness deadline has passed, the answer is the stale one. */
  private checkDeadline(): void {
    this.callsSinceClockCheck = 0;
    this.answer = this.computeAnswer();
  }

  private armDeadline(delayMs: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.onDeadline(), delayMs);
    this.deadlineTimer.unref();
  }

  /** The timer fired: re-check on the clock (a timer may fire early), then tell listeners. */
  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const confirmedAt = this.confirmedAt;
    if (confirmedAt === undefined) return;
    const remaining = confirmedAt + this.options.staleAfterMs - this.options.monotonicNow();
    if (remaining >= 0) {
      this.armDeadline(Math.floor(remaining) + 1);
      return;
    }
    this.checkDeadline();
    this.notifyIfChanged();
  }

  private staleReason(): string {
    const { name, staleAfterMs } = this.options;
    return `Kill switch "${name}" state unknown: Redis has not confirmed it for more than ${staleAfterMs} ms, failing closed`;
  }
}
