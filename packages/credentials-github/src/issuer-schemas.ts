/**
 * The zod schemas both GitHub issuers validate with: the options of `issue` and the settings
 * they have in common (background sweep, events, clock).
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
} = {
  sweepIntervalMs: z.number().int().min(10).max(86_400_000).optional(),
  onSweepError: functionSchema.optional(),
  events: z
    .custom<SecurityEventEmitter>((value) => typeof (value as { emit?: unknown })?.emit === 'function')
    .optional(),
  now: functionSchema.optional(),
};
