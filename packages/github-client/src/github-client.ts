/**
 * The Octokit client Warden's GitHub backends use when none is injected: one with
 * `@octokit/plugin-retry` (5xx and network errors) and `@octokit/plugin-throttling` (primary and
 * secondary rate limits, write pacing).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { GitHubClientSettings } from './github-settings.js';
import { createGuardedFetch } from './guarded-fetch.js';
import { assertUnderBaseUrl } from './request-url.js';

/** What a backend needs from an Octokit: its `request` method. An `Octokit` from `@octokit/rest` fits. */
export type GitHubClient = Pick<Octokit, 'request'>;

/** What {@link createGitHubClient} takes: the settings, plus what the backend itself decides. */
export interface GitHubClientConfig extends GitHubClientSettings {
  /**
   * The product GitHub sees in `user-agent` (Octokit appends its own): each backend names
   * itself, for example `warden-credentials-github`.
   */
  userAgent: string;
  /** Token sent with every request. Omit it for a client that sets `authorization` per request. */
  auth?: string;
}

const RetryingOctokit = Octokit.plugin(retry, throttling);

/**
 * Creates an Octokit with the retry and throttling plugins and silent logging. It sends no request
 * whose URL leaves `baseUrl` or whose path parameter is `.`, `..` or holds a slash: those throw
 * `INVALID_INPUT` before anything is sent. The settings are
 * used as given: parse them first (with {@link gitHubClientSettingsSchema}) when they come from
 * outside.
 */
export function createGitHubClient(config: GitHubClientConfig): GitHubClient {
  const unitMs = config.retryDelayUnitMs ?? 1000;
  const retries = config.retries ?? 3;
  const maxWaitMs = config.maxRateLimitWaitMs ?? 60_000;
  const onLimit = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < retries && retryAfterSeconds * unitMs <= maxWaitMs;
  const throttle: ThrottlingOptions = {
    // The plugin's limiters (one token request at a time, ten calls at a time) are shared by the
    // whole process and keyed by `id`: a key of its own keeps this client from waiting behind
    // another's stalled GitHub, and from holding theirs.
    id: randomUUID(),
    onRateLimit: onLimit,
    onSecondaryRateLimit: onLimit,
    retryAfterBaseValue: unitMs,
    ...(config.minWriteIntervalMs === undefined ? {} : { write: createWriteQueue(config.minWriteIntervalMs) }),
  };
  const baseUrl = config.baseUrl ?? 'https://api.github.com';
  const octokit = new RetryingOctokit({
    auth: config.auth,
    baseUrl,
    userAgent: config.userAgent,
    // 429 is a rate limit, the throttling plugin's to wait out: retried by both plugins, each
    // `retries` times around the other's, a GitHub answering 429 forever got (retries + 1)² calls.
    retry: { retries, retryAfterBaseValue: unitMs, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle,
    // Every attempt has a deadline covering the whole answer, follows no redirect and reads a
    // bounded body: a GitHub that stalls, redirects or answers without end fails the call.
    request: {
      fetch: createGuardedFetch({
        timeoutMs: config.requestTimeoutMs ?? 60_000,
        maxResponseBytes: config.maxResponseBytes ?? 10_485_760,
      }),
    },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  // Registered last, so it runs first: a refused URL is neither sent nor retried.
  octokit.hook.before('request', (options) => assertUnderBaseUrl(octokit.request.endpoint.parse(options).url, baseUrl));
  return octokit;
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
