/**
 * The zod schemas both GitHub issuers validate with: the options of `issue` and the settings
 * they have in common (background sweep, revocation retries, events, clock).
 *
 * @module
 */
import type { SecurityEventEmitter } from '@warden/core';
import { z } from 'zod';

/** Validates `IssueCredentialOptions`: at most a `subject` of printable characters. */
export const issueOptionsSchema: z.ZodType<{ subject?: string }> = z
  .object({
    subject: z
      .string()
      .regex(/^[\x20-\x7e]{1,256}$/, 'must be 1–256 printable characters')
      .optional(),
  })
  .strict();

/** Any function; its signature is the settings interface's to declare. */
type AnyFunction = (...args: never[]) => unknown;

const functionSchema = z.custom<AnyFunction>((value) => typeof value === 'function', 'must be a function');

/** The settings fields both issuers take, to spread into each issuer's settings object schema. */
export const issuerSettingsFields: {
  sweepIntervalMs: z.ZodOptional<z.ZodNumber>;
  onSweepError: z.ZodOptional<z.ZodType<AnyFunction>>;
  events: z.ZodOptional<z.ZodType<SecurityEventEmitter>>;
  now: z.ZodOptional<z.ZodType<AnyFunction>>;
  revokeAttempts: z.ZodOptional<z.ZodNumber>;
  revokeBackoffMs: z.ZodOptional<z.ZodNumber>;
  sleep: z.ZodOptional<z.ZodType<AnyFunction>>;
} = {
  sweepIntervalMs: z.number().int().min(10).max(86_400_000).optional(),
  onSweepError: functionSchema.optional(),
  events: z
    .custom<SecurityEventEmitter>((value) => typeof (value as { emit?: unknown })?.emit === 'function')
    .optional(),
  now: functionSchema.optional(),
  revokeAttempts: z.number().int().min(1).max(10).optional(),
  revokeBackoffMs: z.number().int().min(0).max(60_000).optional(),
  sleep: functionSchema.optional(),
};

/** The settings fields both issuers take about revocation retries (documented on each config). */
export interface RevocationRetrySettings {
  /**
   * Attempts to revoke one credential (the first included) before `revoke` fails or `sweep`
   * reports it alive; a sweep tries every credential before retrying the failed ones. @default 3
   */
  revokeAttempts?: number;
  /** Wait before the second attempt; each further wait doubles. @default 250 */
  revokeBackoffMs?: number;
  /** Waits between attempts (tests inject one that returns at once). @default a timer */
  sleep?: (ms: number) => Promise<void>;
}
