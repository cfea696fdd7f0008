/**
 * Settings of {@link createGitHubJITCredentialIssuer}, parsed once with zod.
 *
 * @module
 */
import { type Clock, parseInput, parseTtl, type SecurityEventEmitter, type WardenError } from '@warden/core';
import {
  type GitHubClient,
  type GitHubClientSettings,
  gitHubClientSettingsSchema,
  gitHubNameSchema,
  ownSettings,
  refuseUnknownSettings,
  requireOctokitOrToken,
} from '@warden/github-client';
import { z } from 'zod';
import { DEFAULT_REVOCATION_RETRY } from './issuer-retry.js';
import {
  type CredentialTrackingSettings,
  DEFAULT_MAX_TRACKED_CREDENTIALS,
  issuerSettingsFields,
  type RevocationRetrySettings,
} from './issuer-schemas.js';
import { isValidCredentialPrefix } from './secret-name.js';

/** Settings for {@link createGitHubJITCredentialIssuer}. */
export interface GitHubJITConfig extends GitHubClientSettings, RevocationRetrySettings, CredentialTrackingSettings {
  /** An Octokit to use (never closed by the issuer). Give this or `token`. */
  octokit?: GitHubClient;
  /** A token with write access to the repository's Actions secrets (or environments). Give this or `octokit`. */
  token?: string;
  /** Repository owner (user or organisation). */
  owner: string;
  /** Repository name. */
  repo: string;
  /** Store credentials as secrets of this deployment environment instead of the repository. */
  environment?: string;
  /**
   * Start of every credential's secret name; the sweeper deletes expired secrets under this
   * prefix, including those an earlier process issued. Upper-case, ending in `_`.
   * @default 'WARDEN_JIT_'
   */
  secretPrefix?: string;
  /** The longest TTL accepted. @default '1d' */
  maxTtl?: string | number;
  /** Bytes of randomness in each token (base64url-encoded). @default 32 */
  tokenBytes?: number;
  /** When set, `sweep()` runs every this many ms on an `unref`'d timer until `close()`, never two at once. Off by default. */
  sweepIntervalMs?: number;
  /** Told about a failed background sweep. @default ignore */
  onSweepError?: (error: WardenError) => void;
  /** Receives `credential_issued` and `credential_revoked` events (never with a token). One that throws changes no outcome. */
  events?: SecurityEventEmitter;
  /** Clock. @default Date.now */
  now?: Clock;
}

/** {@link GitHubJITConfig} after parsing (internal: held in the issuer's private fields only). */
export interface ParsedGitHubJITConfig extends GitHubJITConfig {
  revokeAttempts: number;
  revokeBackoffMs: number;
  sleep: (ms: number) => Promise<void>;
  maxTrackedCredentials: number;
  secretPrefix: string;
  maxTtlMs: number;
  tokenBytes: number;
  now: Clock;
}

const ttlSchema = z.union([z.string(), z.number()]).refine((ttl) => {
  try {
    parseTtl(ttl);
    return true;
  } catch {
    return false;
  }
}, 'must be a positive duration like "1d" or milliseconds, at most 30 days');

const clientSchema = z.custom<GitHubClient>(
  (value) => typeof (value as { request?: unknown } | null)?.request === 'function',
  'must be an Octokit (an object with a request method)',
);

const jitSettingsSchema = z.object({
  octokit: clientSchema.optional(),
  token: z.string().min(1).max(4096).optional(),
  owner: gitHubNameSchema,
  repo: gitHubNameSchema,
  environment: z
    .string()
    .min(1)
    .max(255)
    .refine((name) => [...name].every((character) => character >= ' '), 'must not contain control characters')
    // A path segment: a URL resolves `.` and `..` away, into another repository's path.
    .refine((name) => name !== '.' && name !== '..', 'must not be "." or ".."')
    .optional(),
  secretPrefix: z
    .string()
    .refine(isValidCredentialPrefix, 'must be upper-case letters, digits and _, end in _, and not start with GITHUB_')
    .optional(),
  maxTtl: ttlSchema.optional(),
  tokenBytes: z.number().int().min(16).max(1024).optional(),
  ...issuerSettingsFields,
});

const settingsSchema = requireOctokitOrToken(gitHubClientSettingsSchema.and(jitSettingsSchema));

/** Parses the settings; throws `InvalidInputError` naming the field. */
export function parseGitHubJITConfig(given: GitHubJITConfig): ParsedGitHubJITConfig {
  const config = ownSettings(given);
  const parsed = parseInput(settingsSchema, config, 'GitHub JIT credential settings') as GitHubJITConfig;
  refuseUnknownSettings(config, Object.keys(jitSettingsSchema.shape), 'GitHub JIT credential settings');
  return ownSettings({
    ...config,
    secretPrefix: parsed.secretPrefix ?? 'WARDEN_JIT_',
    maxTtlMs: parseTtl(parsed.maxTtl ?? '1d'),
    tokenBytes: parsed.tokenBytes ?? 32,
    now: config.now ?? Date.now,
    revokeAttempts: parsed.revokeAttempts ?? DEFAULT_REVOCATION_RETRY.revokeAttempts,
    revokeBackoffMs: parsed.revokeBackoffMs ?? DEFAULT_REVOCATION_RETRY.revokeBackoffMs,
    sleep: config.sleep ?? DEFAULT_REVOCATION_RETRY.sleep,
    maxTrackedCredentials: config.maxTrackedCredentials ?? DEFAULT_MAX_TRACKED_CREDENTIALS,
  });
}
