/**
 * The settings a GitHub backend's user gives and every GitHub backend validates alike: how the
 * built-in client reaches GitHub, owner and repository names, and the choice between an
 * injected Octokit and a token.
 *
 * @module
 */
import { InvalidInputError } from '@warden/core';
import { z } from 'zod';

/** How a backend reaches GitHub when no client is injected. */
export interface GitHubClientSettings {
  /** GitHub REST API base URL (GitHub Enterprise Server, or a test server). @default 'https://api.github.com' */
  baseUrl?: string;
  /** Retries after a 5xx, a network error or a rate limit. @default 3 */
  retries?: number;
  /**
   * Length of the plugins' delay unit: a retry waits `n²` units, a rate limit `retry-after`
   * units. GitHub means seconds, so only tests change it. @default 1000
   */
  retryDelayUnitMs?: number;
  /** A rate-limit wait longer than this is not waited for; the call fails with `BACKEND_UNAVAILABLE`. @default 60000 */
  maxRateLimitWaitMs?: number;
  /** Minimum time between two writes (GitHub asks for one second to avoid secondary rate limits). @default 1000 */
  minWriteIntervalMs?: number;
  /**
   * Longest wait for one attempt, from sending the request to the last byte of the answer; an
   * attempt that takes longer is abandoned like a network error (retried, then
   * `BACKEND_UNAVAILABLE`). @default 60000
   */
  requestTimeoutMs?: number;
  /**
   * Largest answer body read, in bytes; a larger one fails the attempt like a network error
   * (retried, then `BACKEND_UNAVAILABLE`). @default 10485760 (10 MiB)
   */
  maxResponseBytes?: number;
}

/**
 * Validates {@link GitHubClientSettings}. Backends combine it with their own settings schema;
 * `userAgent` and `auth` are not settings a backend's user gives, so it leaves them out.
 */
export const gitHubClientSettingsSchema: z.ZodType<GitHubClientSettings> = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryDelayUnitMs: z.number().int().min(1).max(60_000).optional(),
  maxRateLimitWaitMs: z.number().int().min(0).max(3_600_000).optional(),
  minWriteIntervalMs: z.number().int().min(0).max(60_000).optional(),
  requestTimeoutMs: z.number().int().min(1).max(600_000).optional(),
  maxResponseBytes: z.number().int().min(1024).max(268_435_456).optional(),
});

/**
 * GitHub's owner and repository names: 1–100 letters, digits, `-`, `_` and `.`, but not `.` or
 * `..`: a name becomes a path segment, and a URL resolves those away (`/repos/org/../actions/…`
 * is `/repos/actions/…`, another repository).
 */
export const gitHubNameSchema: z.ZodString = z
  .string()
  .regex(/^(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/, 'must be a GitHub owner or repository name');

/**
 * Adds the rule of a backend that takes either an injected Octokit (`octokit`) or a `token` to
 * build its own client with: exactly one of the two, reported on `octokit`.
 */
export function requireOctokitOrToken<Settings extends { octokit?: unknown; token?: unknown }>(
  schema: z.ZodType<Settings>,
): z.ZodType<Settings> {
  return schema.refine((settings) => (settings.octokit === undefined) !== (settings.token === undefined), {
    message: 'give exactly one of octokit or token',
    path: ['octokit'],
  });
}

/**
 * The settings the built-in client reads, which every GitHub backend passes on to it. A record over
 * every key of {@link GitHubClientSettings}, so a setting added there and missing here fails to
 * compile instead of being refused as unknown.
 */
const CLIENT_SETTINGS: Record<keyof GitHubClientSettings, true> = {
  baseUrl: true,
  retries: true,
  retryDelayUnitMs: true,
  maxRateLimitWaitMs: true,
  minWriteIntervalMs: true,
  requestTimeoutMs: true,
  maxResponseBytes: true,
};

/**
 * Throws `INVALID_INPUT` naming the first setting that neither the backend (`backendSettings`)
 * nor its GitHub client reads. A misspelt limit (`maxTTL`, `secretPrefx`, `idleTimeoutMinute`)
 * would otherwise be ignored silently, leaving the wider default in force. The key is named (it
 * is the developer's own spelling, not a secret); its value never is.
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`).
 * @example
 * refuseUnknownSettings(config, Object.keys(backendSchema.shape), 'GitHub Codespaces sandbox settings');
 */
export function refuseUnknownSettings(config: object, backendSettings: readonly string[], what: string): void {
  const known = new Set<string>([...Object.keys(CLIENT_SETTINGS), ...backendSettings]);
  const unknown = Object.keys(config).find((key) => !known.has(key));
  if (unknown === undefined) return;
  throw new InvalidInputError({
    message: `Invalid ${what}: ${JSON.stringify(unknown)} is not a setting`,
    issues: [{ path: unknown, message: 'is not a setting' }],
  });
}

/**
 * `config`'s own enumerable fields in an object without a prototype: what every GitHub backend
 * reads its settings from, so that a setting the caller did not give reads as unset, never as a
 * value another library put on `Object.prototype` (a `baseUrl` that sends the token to another
 * server, an `octokit` that receives every call).
 *
 * @example
 * const settings = ownSettings(config); // settings.baseUrl is the caller's own, or undefined
 */
export function ownSettings<Settings extends object>(config: Settings): Settings {
  return Object.assign(Object.create(null) as Settings, config);
}
