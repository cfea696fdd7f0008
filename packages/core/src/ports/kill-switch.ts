/**
 * The `KillSwitch` port: one switch that stops everything at once.
 *
 * @module
 */
import { z } from 'zod';
import { isPlainLine, isWellFormedText } from '../validation.js';
import type { ProviderIdentity } from './specification.js';

/** Who flipped the switch, when and why. */
export interface KillSwitchState {
  /** True when everything must stop. */
  active: boolean;
  /** Why it was activated (absent when inactive). */
  reason?: string;
  /** Who made the last change, when known. */
  actor?: string;
  /** When the last change happened (ISO-8601), when known. */
  changedAt?: string;
  /**
   * True when the backend could not confirm the state recently and the answer is a fail-closed
   * (or, if so configured, fail-open) guess.
   */
  stale?: boolean;
}

/** Options for `activate` and `deactivate`. */
export interface KillSwitchChangeOptions {
  /** Who is making the change, recorded with it. */
  actor?: string;
}

/** Receives each state change. */
export type KillSwitchListener = (state: KillSwitchState) => void;

/**
 * An emergency stop for agent operations.
 *
 * An implementation must:
 * - throw `InvalidInputError` for an empty, whitespace-only or over-long (more than 1,000 characters) reason,
 *   and for a reason or actor holding control characters, line separators or bidirectional controls;
 * - make `deactivate` idempotent;
 * - record the actor, time and reason of every change and report them in `getState` (a change
 *   without an actor records none, never the previous change's);
 * - answer a change made through this instance as soon as the call resolves, never from an
 *   answer cached before it;
 * - notify `onChange` listeners after every change it observes, including changes made elsewhere;
 * - fail closed: when it cannot tell, `isActive` answers `true` unless configured otherwise.
 */
export interface KillSwitch extends ProviderIdentity<'kill-switch-v1'> {
  /** Activates the switch (again, with a new reason, when already active). */
  activate(reason: string, options?: KillSwitchChangeOptions): Promise<void>;
  /** Deactivates the switch; idempotent. */
  deactivate(options?: KillSwitchChangeOptions): Promise<void>;
  /** True when everything must stop. */
  isActive(): Promise<boolean>;
  /** The activation reason, or `undefined` when inactive. */
  getReason(): Promise<string | undefined>;
  /** The full state: active, reason, actor, time. */
  getState(): Promise<KillSwitchState>;
  /** Subscribes to changes; returns a function that unsubscribes. */
  onChange(listener: KillSwitchListener): () => void;
  /** Releases connections and timers the adapter owns. Optional. */
  close?(): Promise<void>;
}

/** Longest accepted kill switch reason, in characters. */
export const MAX_KILL_SWITCH_REASON_LENGTH: number = 1000;

// A reason and an actor are shown as they are in events, logs, terminals and the console: a
// newline, a terminal escape or a bidirectional override in one could forge a line of its own or
// make it read as something it does not say. One line of plain text ({@link isPlainLine}) is
// enough to say why and who; adapters reading one back use the same predicate.
const PLAIN_LINE_MESSAGE = 'must not contain control characters, line separators or bidirectional controls';

// A lone surrogate (half of a character beyond U+FFFF, as a UI cutting a string in the middle of
// an emoji leaves) has no UTF-8 form: a backend that stores UTF-8 (Redis, a file, a database)
// would read back U+FFFD in its place, so what is read (or signed) is not what was written. Every
// backend refuses it, the in-memory stub included, so a test passing on the stub holds in production.
const WELL_FORMED_MESSAGE = 'must be well-formed Unicode (no lone surrogate, half a character)';

/**
 * Validates a kill switch reason: non-blank, one plain line (see {@link isPlainLine}) of
 * well-formed Unicode, at most 1,000 characters.
 */
export const killSwitchReasonSchema: z.ZodType<string> = z
  .string()
  .max(MAX_KILL_SWITCH_REASON_LENGTH)
  .refine((reason) => reason.trim().length > 0, 'must not be empty')
  .refine(isPlainLine, PLAIN_LINE_MESSAGE)
  .refine(isWellFormedText, WELL_FORMED_MESSAGE);

/** Validates {@link KillSwitchChangeOptions}: an actor is one plain line of well-formed Unicode, 1 to 200 characters. */
export const killSwitchChangeOptionsSchema: z.ZodType<KillSwitchChangeOptions> = z
  .object({
    actor: z
      .string()
      .min(1)
      .max(200)
      .refine(isPlainLine, PLAIN_LINE_MESSAGE)
      .refine(isWellFormedText, WELL_FORMED_MESSAGE)
      .optional(),
  })
  .strict();
