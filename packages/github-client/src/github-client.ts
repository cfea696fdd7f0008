/**
 * The Octokit client Warden's GitHub backends use when none is injected: one with
 * `@octokit/plugin-retry` (5xx and network errors) and `@octokit/plugin-throttling` (primary and
 * secondary rate limits, write pacing).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { type GitHubClientSettings, ownSettings } from './github-settings.js';
import { createGuardedFetch } from './guarded-fetch.js';
import { createLimiterGroup, createRetryLimiter } from './monotonic-limiters.js';
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
export function createGitHubClient(given: GitHubClientConfig): GitHubClient {
  // Own fields only: an Object.prototype.baseUrl set by another library would get the token.
  const config = ownSettings(given);
  const unitMs = config.retryDelayUnitMs ?? 1000;
  const retries = config.retries ?? 3;
  const maxWaitMs = config.maxRateLimitWaitMs ?? 60_000;
  const onLimit = (retryAfterSeconds: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < retries && retryAfterSeconds * unitMs <= maxWaitMs;
  const throttle: ThrottlingOptions = {
    // Keyed by `id`, as the plugin's own limiters were (shared by the whole process): a key of its
    // own keeps this client from waiting behind another's stalled GitHub, and from holding theirs.
    id: randomUUID(),
    onRateLimit: onLimit,
    onSecondaryRateLimit: onLimit,
    retryAfterBaseValue: unitMs,
    ...monotonicLimiters(config.minWriteIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS),
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

/** What GitHub asks for between two writes, to stay clear of its secondary rate limits. */
const DEFAULT_WRITE_INTERVAL_MS = 1_000;

/**
 * The plugin's limiters with their settings (ten calls at a time, one token request at a time,
 * searches 2 s apart, notification-triggering writes 3 s apart), the writes `minWriteIntervalMs`
 * apart, all timed on the monotonic clock ({@link createLimiterGroup}). The plugin takes
 * `global`, `auth` and `retryLimiter` from its options as it takes `write`, though its types
 * name only the latter: the wall-clock test in `github-client.test.ts` fails if it stops.
 */
function monotonicLimiters(writeIntervalMs: number): Partial<ThrottlingOptions> {
  const limiters = {
    global: createLimiterGroup(10, 0),
    auth: createLimiterGroup(1, 0),
    search: createLimiterGroup(1, 2_000),
    write: createLimiterGroup(1, writeIntervalMs),
    notifications: createLimiterGroup(1, 3_000),
    retryLimiter: createRetryLimiter(),
  };
  return limiters as unknown as Partial<ThrottlingOptions>;
}
