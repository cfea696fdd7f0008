import {
  type Clock,
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

/** Configuration of {@link createStubKillSwitch}. */
export interface StubKillSwitchConfig {
  /** Time source. @default Date.now */
  now?: Clock;
  /** Told about a listener that threw; the change itself and the other listeners go on. @default ignore */
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

  const reportError = config.onError ?? (() => {});
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
      change({ active: true, reason: validReason, changedAt: toIsoTime(now()), ...(actor ? { actor } : {}) });
    },
    async deactivate(changeOptions?: KillSwitchChangeOptions) {
      calls.push({ method: 'deactivate', args: [changeOptions] });
      const { actor } = parseInput(killSwitchChangeOptionsSchema, changeOptions ?? {}, 'kill switch options');
      if (!state.active) return;
      change({ active: false, changedAt: toIsoTime(now()), ...(actor ? { actor } : {}) });
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
