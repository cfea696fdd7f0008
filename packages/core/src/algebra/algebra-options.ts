/**
 * The options of `createCapabilityAlgebra`, parsed once (unknown keys rejected, so a misspelt
 * `maxDelegationDepth` is an error rather than silently unlimited delegation).
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { ownDataCopy } from '../own-data.js';
import { parseInput } from '../validation.js';
import { loadAttesterKeys } from './algebra-attestation.js';
import { createIdGenerator } from './algebra-ids.js';
import type { AttesterPublicKey, CapabilityAlgebraConfig } from './algebra-types.js';

const isFunction = (value: unknown): boolean => typeof value === 'function';

const optionsSchema = z
  .object({
    now: z.custom<Clock>(isFunction, 'must be a function returning epoch milliseconds').optional(),
    maxDelegationDepth: z.number().int().min(0).optional(),
    attesterKeys: z
      .record(
        z.string(),
        z.custom<AttesterPublicKey>((value) => value !== null && value !== undefined),
      )
      .optional(),
    generateId: z.custom<() => string>(isFunction, 'must be a function returning a string').optional(),
  })
  .strict();

/** Parsed options with their defaults applied. */
export interface AlgebraSettings {
  /** The clock. */
  readonly now: Clock;
  /** The delegation depth limit (`Infinity` when unlimited). */
  readonly maxDelegationDepth: number;
  /** Ed25519 public keys by attester id. */
  readonly attesterKeys: ReadonlyMap<string, KeyObject>;
  /** Makes capability ids. */
  readonly generateId: () => string;
  /** True when ids come from a custom `generateId` and must be checked for repeats. */
  readonly checkIds: boolean;
}

/**
 * Parses the options (their own properties only), or throws `InvalidInputError` naming the option
 * at fault.
 */
export function parseAlgebraOptions(options: CapabilityAlgebraConfig): AlgebraSettings {
  // Own data only, read and parsed: an option the caller never gave must not come from a polluted
  // Object.prototype, neither while zod parses it nor when its default is chosen below.
  const settings = ownDataCopy(parseInput(optionsSchema, ownDataCopy(options), 'capability algebra options'));
  return {
    now: settings.now ?? systemClock,
    maxDelegationDepth: settings.maxDelegationDepth ?? Number.POSITIVE_INFINITY,
    attesterKeys: loadAttesterKeys(settings.attesterKeys ?? {}),
    generateId: settings.generateId ?? createIdGenerator(),
    checkIds: settings.generateId !== undefined,
  };
}
