/**
 * Settings of {@link createGitHubAppTokenIssuer}, parsed once with zod.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { type Clock, parseInput, type SecurityEventEmitter, type WardenError } from '@warden/core';
import {
  type GitHubClient,
  type GitHubClientSettings,
  gitHubClientSettingsSchema,
  gitHubNameSchema,
  ownSettings,
  refuseUnknownSettings,
} from '@warden/github-client';
import { z } from 'zod';
import { parseAppPrivateKey } from './github-app-jwt.js';
import { DEFAULT_REVOCATION_RETRY } from './issuer-retry.js';
import {
  type CredentialTrackingSettings,
  DEFAULT_MAX_TRACKED_CREDENTIALS,
  issuerSettingsFields,
  type RevocationRetrySettings,
} from './issuer-schemas.js';

/** Settings for {@link createGitHubAppTokenIssuer}. */
export interface GitHubAppTokenIssuerConfig
  extends GitHubClientSettings,
    RevocationRetrySettings,
    CredentialTrackingSettings {
  /** The GitHub App's id (or client id): the JWT's `iss`. */
  appId: number | string;
  /** The app's private key, PEM (as downloaded from GitHub). Never logged. */
  privateKey: string;
  /** The installation that tokens are minted for. */
  installationId: number;
  /**
   * Repositories (names, under the installation's account) a token is narrowed to when its
   * scope names none with `repository:<name>`. With neither, `issue` refuses: a token is never
   * silently widened to every repository of the installation.
   */
  repositories?: string[];
  /**
   * An Octokit to send requests through, without authentication of its own: the issuer sets
   * `authorization` on each request (the app JWT to mint, the token itself to revoke).
   * @default an Octokit with the retry and throttling plugins
   */
  octokit?: GitHubClient;
  /** When set, `sweep()` runs every this many ms on an `unref`'d timer until `close()`, never two at once. Off by default. */
  sweepIntervalMs?: number;
  /** Told about a failed background sweep. @default ignore */
  onSweepError?: (error: WardenError) => void;
  /** Receives `credential_issued` and `credential_revoked` events (never with a token). One that throws changes no outcome. */
  events?: SecurityEventEmitter;
  /** Clock (token expiry and JWT times). @default Date.now */
  now?: Clock;
}

/** {@link GitHubAppTokenIssuerConfig} after parsing (internal: held in the issuer's private fields only). */
export interface ParsedGitHubAppTokenIssuerConfig extends Omit<GitHubAppTokenIssuerConfig, 'privateKey'> {
  revokeAttempts: number;
  revokeBackoffMs: number;
  sleep: (ms: number) => Promise<void>;
  maxTrackedCredentials: number;
  issuer: string;
  privateKey: KeyObject;
  now: Clock;
}

const appSettingsSchema = z.object({
  appId: z.union([
    z.number().int().positive(),
    z.string().regex(/^[A-Za-z0-9.]{1,64}$/, 'must be an app id or client id'),
  ]),
  privateKey: z.string().refine((pem) => {
    try {
      parseAppPrivateKey(pem);
      return true;
    } catch {
      return false;
    }
  }, "must be the app's RSA private key in PEM"),
  installationId: z.number().int().positive(),
  repositories: z.array(gitHubNameSchema).min(1).max(500).optional(),
  octokit: z
    .custom<GitHubClient>((value) => typeof (value as { request?: unknown } | null)?.request === 'function')
    .optional(),
  ...issuerSettingsFields,
});

const settingsSchema = gitHubClientSettingsSchema.and(appSettingsSchema);

/** Parses the settings; throws `InvalidInputError` naming the field (never echoing the key). */
export function parseGitHubAppTokenIssuerConfig(given: GitHubAppTokenIssuerConfig): ParsedGitHubAppTokenIssuerConfig {
  const config = ownSettings(given);
  parseInput(settingsSchema, config, 'GitHub App token settings');
  refuseUnknownSettings(config, Object.keys(appSettingsSchema.shape), 'GitHub App token settings');
  const { privateKey, ...rest } = config;
  return ownSettings({
    ...rest,
    issuer: String(config.appId),
    privateKey: parseAppPrivateKey(privateKey),
    now: config.now ?? Date.now,
    revokeAttempts: config.revokeAttempts ?? DEFAULT_REVOCATION_RETRY.revokeAttempts,
    revokeBackoffMs: config.revokeBackoffMs ?? DEFAULT_REVOCATION_RETRY.revokeBackoffMs,
    sleep: config.sleep ?? DEFAULT_REVOCATION_RETRY.sleep,
    maxTrackedCredentials: config.maxTrackedCredentials ?? DEFAULT_MAX_TRACKED_CREDENTIALS,
  });
}
