import {
  type Clock,
  InvalidInputError,
  type KillSwitch,
  type KillSwitchChangeOptions,
  type KillSwitchListener,
  type KillSwitchState,
  killSwitchChangeOptionsSchema,
  killSwitchReasonSchema,
  parseInput,
  systemClock,
  toIsoTime,
} from '@warden/core';

/** The latest time a `Date` can hold (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

/**
 * `onError` as the stub calls it: a hook that throws (one that rethrows, say) must not stop the
 * change it reports on, nor the listeners after a throwing one, as in the Redis switch.
 */
function neverThrowing(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  return (error) => {
    try {
      onError?.(error);
    } catch {
      // Nowhere left to report it.
    }
  };
}

/** Configuration of {@link createStubKillSwitch}. */
export interface StubKillSwitchConfig {
  /**
   * Time source for `changedAt`. A reading that is no time (NaN, Infinity, past what a `Date`
   * holds) is replaced by `Date.now()` and reported to `onError`: a broken clock never keeps a
   * stop from holding. @default Date.now
   */
  now?: Clock;
  /** Told about a listener that threw, or a clock reading that was no time; the change itself and the other listeners go on, even when this hook throws. @default ignore */
  onError?: (error: unknown) => void;
}

/** One call the stub received, for assertions. */
export interface StubKillSwitchCall {
  /** The method called. */
  method: 'activate' | 'deactivate';
  /** Its arguments. */
  args: unknown[];
}

/** The in-memory kill switch, with the calls it received. */
export interface StubKillSwitch extends KillSwitch {
  /** Every `activate`/`deactivate` call, in order. */
  readonly calls: readonly StubKillSwitchCall[];
}

/**
 * Creates an in-memory {@link KillSwitch} for tests and the embedded default. It behaves like
 * the real backends (validation, actor and time recording, change notifications) within one
 * process.
 *
 * @example
 * const ks = createStubKillSwitch();
 * await ks.activate('Security incident detected');
 * await ks.isActive(); // true
 */
export function createStubKillSwitch(config: StubKillSwitchConfig = {}): StubKillSwitch {
  const now = config.now ?? systemClock;
  const listeners = new Set<KillSwitchListener>();
  const calls: StubKillSwitchCall[] = [];
  let state: KillSwitchState = { active: false };

  const reportError = neverThrowing(config.onError);
  /**
   * The time a change is stamped with. A reading that is no time (NaN, Infinity, past what a
   * `Date` holds) would throw out of `activate()` before the stop held; like the Redis switch,
   * the system clock stands in and the reading is reported to `onError`.
   */
  const changedAt = (): string => {
    const reading: unknown = now();
    if (typeof reading === 'number' && Number.isFinite(reading) && Math.abs(reading) <= MAX_DATE_MS) {
      return toIsoTime(reading);
    }
    reportError(
      new InvalidInputError({
        message: `Stub kill switch: now() returned ${String(reading).slice(0, 40)}, not a time in ms; used the system clock instead`,
        issues: [{ path: 'now', message: 'must return a time in ms' }],
      }),
    );
    return toIsoTime(Date.now());
  };
  const change = (next: KillSwitchState): void => {
    state = next;
    for (const listener of [...listeners]) {
      try {
        listener({ ...state });
      } catch (error) {
        reportError(error);
      }
    }
  };

  return {
    specificationVersion: 'kill-switch-v1',
    providerId: 'stub',
    calls,
    async activate(reason: string, changeOptions?: KillSwitchChangeOptions) {
      calls.push({ method: 'activate', args: [reason, changeOptions] });
      const validReason = parseInput(killSwitchReasonSchema, reason, 'kill switch reason');
      const { actor } = parseInput(killSwitchChangeOptionsSchema, changeOptions ?? {}, 'kill switch options');
      change({ active: true, reason: validReason, changedAt: changedAt(), ...(actor ? { actor } : {}) });
    },
    async deactivate(changeOptions?: KillSwitchChangeOptions) {
      calls.push({ method: 'deactivate', args: [changeOptions] });
      const { actor } = parseInput(killSwitchChangeOptionsSchema, changeOptions ?? {}, 'kill switch options');
      if (!state.active) return;
      change({ active: false, changedAt: changedAt(), ...(actor ? { actor } : {}) });
    },
    async isActive() {
      return state.active;
    },
    async getReason() {
      return state.reason;
    },
    async getState() {
      return { ...state };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
