import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type KillSwitch,
  type KillSwitchChangeOptions,
  type KillSwitchListener,
  type KillSwitchState,
  killSwitchChangeOptionsSchema,
  killSwitchReasonSchema,
  parseInput,
} from '@warden/core';
import { z } from 'zod';

/** Configuration of {@link createFileKillSwitch}. */
export interface FileKillSwitchConfig {
  /** The JSON file that holds the switch's state; every process sharing it shares the switch. */
  path: string;
  /** Time source for `changedAt`. @default Date.now */
  now?: () => number;
}

const configSchema = z.strictObject({
  path: z.string().min(1),
  now: z.custom<() => number>((value) => typeof value === 'function', 'must be a function').optional(),
});
const storedStateSchema = z.strictObject({
  active: z.boolean(),
  reason: z.string().optional(),
  actor: z.string().optional(),
  changedAt: z.string().optional(),
});

/**
 * A `KillSwitch` kept in a JSON file. Every answer is read from the file (no cached copy), a
 * change replaces the file atomically (write a temporary file, then rename), and a missing or
 * unreadable file is unknown state, which fails closed: `isActive()` answers `true` until an
 * operator calls `deactivate()`.
 */
export function createFileKillSwitch(config: FileKillSwitchConfig): KillSwitch {
  const { path, now = Date.now } = parseInput(configSchema, config, 'file kill switch config');
  const listeners = new Set<KillSwitchListener>();

  const read = (): KillSwitchState => {
    try {
      return storedStateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      return { active: true, reason: `No readable state in ${path}: call deactivate() to release`, stale: true };
    }
  };
  const write = (state: KillSwitchState): void => {
    const previous = read();
    const temporary = `${path}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
    renameSync(temporary, path);
    // Releasing a released switch is no change, so nobody is told of one.
    if (!previous.active && !previous.stale && !state.active) return;
    for (const listener of listeners) {
      try {
        listener({ ...state });
      } catch {
        // A listener that throws must neither undo the change nor keep the others from hearing it.
      }
    }
  };
  const changedAt = (): string => new Date(now()).toISOString();

  return {
    specificationVersion: 'kill-switch-v1',
    providerId: 'file',
    async activate(reason: string, options: KillSwitchChangeOptions = {}) {
      const validReason = parseInput(killSwitchReasonSchema, reason, 'kill switch reason');
      const { actor } = parseInput(killSwitchChangeOptionsSchema, options, 'kill switch options');
      write({ active: true, reason: validReason, ...(actor ? { actor } : {}), changedAt: changedAt() });
    },
    async deactivate(options: KillSwitchChangeOptions = {}) {
      const { actor } = parseInput(killSwitchChangeOptionsSchema, options, 'kill switch options');
      write({ active: false, ...(actor ? { actor } : {}), changedAt: changedAt() });
    },
    async isActive() {
      return read().active;
    },
    async getReason() {
      const state = read();
      return state.active ? state.reason : undefined;
    },
    async getState() {
      return read();
    },
    onChange(listener: KillSwitchListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
