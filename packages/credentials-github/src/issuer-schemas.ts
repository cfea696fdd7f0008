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
  maxTrackedCredentials: z.ZodOptional<z.ZodNumber>;
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
  maxTrackedCredentials: z.number().int().min(1).max(1_000_000).optional(),
};

/** The most credentials an issuer remembers by default. */
export const DEFAULT_MAX_TRACKED_CREDENTIALS = 10_000;

/** The settings field both issuers take about how much they remember (documented on each config). */
export interface CredentialTrackingSettings {
  /**
   * The most credentials the issuer remembers at once: those it must still revoke (live, or
   * expired and not yet swept) plus those being minted, and the revoked ones it remembers so that
   * revoking again is a no-op. Revoked ones are forgotten first (expired, then oldest); when every
   * remembered credential must still be revoked, `issue` is refused with `QuotaExceededError`
   * before anything is asked of GitHub. 1–1,000,000. @default 10000
   */
  maxTrackedCredentials?: number;
}

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
