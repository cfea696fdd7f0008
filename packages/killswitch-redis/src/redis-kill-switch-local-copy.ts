import type { Clock, KillSwitchListener, KillSwitchState } from '@warden/core';
import { type KillSwitchRecord, NEVER_CHANGED, shouldReplace } from './redis-kill-switch-record.js';
import type { RedisKillSwitchFailMode } from './redis-kill-switch-settings.js';

/** What `getState()` of a Redis kill switch reports. */
export interface RedisKillSwitchState extends KillSwitchState {
  /** The switch's name. */
  name: string;
  /** The number of the last change this instance has seen (0: never changed, or not read yet). */
  version: number;
  /** True when Redis has not confirmed the state within `staleAfterMs`. */
  stale: boolean;
  /**
   * True when this instance activated itself because Redis could not be reached: the stop
   * holds here until an `activate()` reaches Redis or `deactivate()` is called on this instance.
   */
  localOnly?: boolean;
}

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
  /** Time source. */
  now: Clock;
  /** Told about listener exceptions. */
  onError: (error: unknown) => void;
}

/**
 * One instance's copy of the switch: the last state Redis confirmed and when, plus a local
 * activation that could not be written. `isActive()` reads only this, so a check costs no
 * round trip; it fails closed when the copy is stale (or was never read).
 */
export class KillSwitchLocalCopy {
  private record: KillSwitchRecord | undefined;
  private confirmedAt: number | undefined;
  private localActivation: LocalActivation | undefined;
  private readonly listeners = new Set<KillSwitchListener>();
  private notifiedKey: string = JSON.stringify(['', 0, false, false, false, null]);
  private firstReadSettled = false;
  /** Counts the states taken, to tell a read that raced a message from an authoritative one. */
  private taken = 0;
  private readonly failClosed: boolean;

  /** Starts empty: never read, so stale. */
  constructor(private readonly options: LocalCopyOptions) {
    this.failClosed = options.failMode === 'closed';
  }

  /** The hot path of `isActive()`: no allocation, one clock read. */
  isActive(): boolean {
    if (this.localActivation) return true;
    const record = this.record;
    if (
      record &&
      this.confirmedAt !== undefined &&
      this.options.now() - this.confirmedAt <= this.options.staleAfterMs
    ) {
      return record.active;
    }
    return this.failClosed || (record?.active ?? false);
  }

  /** True when Redis has not confirmed the state within `staleAfterMs`. */
  isStale(): boolean {
    return this.confirmedAt === undefined || this.options.now() - this.confirmedAt > this.options.staleAfterMs;
  }

  /** True once a state has been read from Redis. */
  hasRecord(): boolean {
    return this.record !== undefined;
  }

  /** The epoch of the state held, `''` when none. */
  knownEpoch(): string {
    return this.record?.epoch ?? '';
  }

  /**
   * Marks the start of a read: a read whose answer arrives with no other state taken since
   * {@link readMark} is authoritative (see {@link shouldReplace}).
   */
  readMark(): number {
    return this.taken;
  }

  /**
   * Takes a state Redis answered with, unless {@link shouldReplace} says it is older than the
   * one held; either way Redis was reachable, so the copy is fresh again. `readSince` is the
   * {@link readMark} of a read; `clearLocalActivation` drops a local-only activation in the
   * same step (one notification). Returns whether the state was taken.
   */
  accept(record: KillSwitchRecord, options: { clearLocalActivation?: boolean; readSince?: number } = {}): boolean {
    this.confirmedAt = this.options.now();
    if (options.clearLocalActivation) this.localActivation = undefined;
    const authoritative = options.readSince === this.taken;
    const taken = shouldReplace(record, this.record, authoritative);
    if (taken) {
      if (record.epoch !== this.record?.epoch || record.version !== this.record.version) this.taken += 1;
      this.record = record;
    }
    this.notifyIfChanged();
    return taken;
  }

  /** Holds an activation on this instance only, until {@link accept} clears it. */
  pinLocalActivation(activation: LocalActivation): void {
    this.localActivation = activation;
    this.notifyIfChanged();
  }

  /** True while an activation holds on this instance only. */
  hasLocalActivation(): boolean {
    return this.localActivation !== undefined;
  }

  /** The state as `getState()` reports it. */
  view(): RedisKillSwitchState {
    const stale = this.isStale();
    const { name } = this.options;
    const record = this.record ?? NEVER_CHANGED;
    const { epoch: _epoch, ...stored } = record;
    const local = this.localActivation;
    if (local) return { name, version: record.version, stale, active: true, localOnly: true, ...local };
    if (!stale || !this.failClosed || record.active) return { name, ...stored, stale };
    return { name, ...stored, active: true, reason: this.staleReason(), stale };
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
   * start out having "seen" a fresh, never-changed, inactive switch, so the first read of such
   * a switch is no news, while an active one (or a Redis that does not answer) is.
   */
  notifyIfChanged(): void {
    if (!this.record && !this.localActivation && !this.firstReadSettled) return;
    const state = this.view();
    const key = this.notificationKey(state);
    if (key === this.notifiedKey) return;
    this.notifiedKey = key;
    for (const listener of [...this.listeners]) {
      try {
        listener({ ...state });
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  private notificationKey(state: RedisKillSwitchState): string {
    const epoch = this.record?.epoch ?? '';
    const reason = state.reason ?? null;
    return JSON.stringify([epoch, state.version, state.active, state.stale, state.localOnly ?? false, reason]);
  }

  private staleReason(): string {
    const { name, staleAfterMs } = this.options;
    return `Kill switch "${name}" state unknown: Redis has not confirmed it for more than ${staleAfterMs} ms, failing closed`;
  }
}
