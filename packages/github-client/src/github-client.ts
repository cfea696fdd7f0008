/**
 * The Octokit client Warden's GitHub backends use when none is injected: one with
 * `@octokit/plugin-retry` (5xx and network errors) and `@octokit/plugin-throttling` (primary and
 * secondary rate limits, write pacing), and the settings that tune it.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { z } from 'zod';

/** What a backend needs from an Octokit: its `request` method. An `Octokit` from `@octokit/rest` fits. */
export type GitHubClient = Pick<Octokit, 'request'>;

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
}

/** What {@link createGitHubClient} takes: the settings, plus what the backend itself decides. */
export interface GitHubClientOptions extends GitHubClientSettings {
  /**
   * The product GitHub sees in `user-agent` (Octokit appends its own): each backend names
   * itself, for example `warden-credentials-github`.
   */
  userAgent: string;
  /** Token sent with every request. Omit it for a client that sets `authorization` per request. */
  auth?: string;
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
});

const RetryingOctokit = Octokit.plugin(retry, throttling);

/**
 * Creates an Octokit with the retry and throttling plugins and silent logging. The settings are
 * used as given: parse them first (with {@link gitHubClientSettingsSchema}) when they come from
 * outside.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const unitMs = options.retryDelayUnitMs ?? 1000;
  const retries = options.retries ?? 3;
  const maxWaitMs = options.maxRateLimitWaitMs ?? 60_000;
  const onLimit = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < retries && retryAfterSeconds * unitMs <= maxWaitMs;
  const throttle: ThrottlingOptions = {
    onRateLimit: onLimit,
    onSecondaryRateLimit: onLimit,
    retryAfterBaseValue: unitMs,
    ...(options.minWriteIntervalMs === undefined ? {} : { write: createWriteQueue(options.minWriteIntervalMs) }),
  };
  return new RetryingOctokit({
    auth: options.auth,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: options.userAgent,
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
