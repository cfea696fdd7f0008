/**
 * The Octokit client the Codespaces sandbox uses: an injected one, or one created here with
 * `@octokit/plugin-retry` (5xx and network errors) and `@octokit/plugin-throttling` (primary and
 * secondary rate limits, write pacing); and the translation of GitHub's errors into Warden's,
 * without any token or secret value in them.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { AccessDeniedError, BackendUnavailableError, type WardenError } from '@warden/core';
import { z } from 'zod';

/** What the sandbox needs from an Octokit: its `request` method. An `Octokit` from `@octokit/rest` fits. */
export type GitHubClient = Pick<Octokit, 'request'>;

/** How the sandbox reaches GitHub when no client is injected. */
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
}

/** Validates {@link GitHubClientSettings}. */
export const gitHubClientSettingsSchema: z.ZodType<GitHubClientSettings> = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryDelayUnitMs: z.number().int().min(1).max(60_000).optional(),
  maxRateLimitWaitMs: z.number().int().min(0).max(3_600_000).optional(),
  minWriteIntervalMs: z.number().int().min(0).max(60_000).optional(),
});

const RetryingOctokit = Octokit.plugin(retry, throttling);

/**
 * Creates an Octokit with the retry and throttling plugins. `auth` may be omitted for a client
 * that sets `authorization` per request.
 */
export function createGitHubClient(settings: GitHubClientSettings & { auth?: string }): GitHubClient {
  const unitMs = settings.retryDelayUnitMs ?? 1000;
  const retries = settings.retries ?? 3;
  const maxWaitMs = settings.maxRateLimitWaitMs ?? 60_000;
  const onLimit = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < retries && retryAfterSeconds * unitMs <= maxWaitMs;
  const throttle: ThrottlingOptions = {
    onRateLimit: onLimit,
    onSecondaryRateLimit: onLimit,
    retryAfterBaseValue: unitMs,
    ...(settings.minWriteIntervalMs === undefined ? {} : { write: createWriteQueue(settings.minWriteIntervalMs) }),
  };
  return new RetryingOctokit({
    auth: settings.auth,
    baseUrl: settings.baseUrl ?? 'https://api.github.com',
    userAgent: 'warden-sandbox-codespaces',
    retry: { retries, retryAfterBaseValue: unitMs },
    throttle,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

/**
 * The throttling plugin spaces writes through a Bottleneck group; this is that group with a
 * configurable interval, implementing the one call the plugin makes (`key(id).schedule`).
 */
function createWriteQueue(intervalMs: number): NonNullable<ThrottlingOptions['write']> {
  let queue: Promise<unknown> = Promise.resolve();
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  const limiter = {
    schedule<Result>(_options: unknown, task: (...args: unknown[]) => Promise<Result>, ...args: unknown[]) {
      const turn = queue.then(async () => {
        const wait = lastWriteAt + intervalMs - Date.now();
        if (wait > 0) await sleep(wait);
        lastWriteAt = Date.now();
      });
      queue = turn.catch(() => {});
      return turn.then(() => task(...args));
    },
  };
  return { key: () => limiter } as unknown as NonNullable<ThrottlingOptions['write']>;
}

/** The parts of Octokit's `RequestError` the sandbox reads. */
interface GitHubHttpError {
  status: number;
  response?: { data?: unknown };
}

/** True when `error` is an HTTP error from Octokit (its `RequestError`). */
export function isGitHubHttpError(error: unknown, status?: number): error is GitHubHttpError {
  const candidate = error as { name?: unknown; status?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.name === 'HttpError' &&
    typeof candidate.status === 'number' &&
    (status === undefined || candidate.status === status)
  );
}

/**
 * Translates a failed GitHub call into a Warden error: 401, 403 and 404 are `ACCESS_DENIED`;
 * rate limits that outlast the retries, 5xx, 422 and network failures are `BACKEND_UNAVAILABLE`
 * (a 422 answers a request Warden built, so it is not the caller's input at fault; callers that
 * know better map it themselves). The message carries the status and
 * GitHub's own message only; the original error (whose request holds headers and body) is not
 * kept as `cause`, so no token can travel with it.
 */
export function toWardenError(error: unknown, action: string): WardenError {
  if (!isGitHubHttpError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new BackendUnavailableError({
      backend: 'github',
      message: `GitHub could not be reached to ${action}: ${reason}`,
    });
  }
  const gitHubMessage = (error.response?.data as { message?: unknown } | undefined)?.message;
  const detail = `${error.status}${typeof gitHubMessage === 'string' ? ` ${gitHubMessage}` : ''}`;
  const cause = { status: error.status };
  const message = `GitHub refused to ${action} (${detail})`;
  if (error.status === 401) return new AccessDeniedError({ message: `${message}: check the credentials`, cause });
  if (error.status === 403 && !/rate limit/i.test(detail)) return new AccessDeniedError({ message, cause });
  if (error.status === 404)
    return new AccessDeniedError({ message: `${message}: missing, or hidden from these credentials`, cause });
  return new BackendUnavailableError({ backend: 'github', message: `GitHub failed to ${action} (${detail})`, cause });
}
