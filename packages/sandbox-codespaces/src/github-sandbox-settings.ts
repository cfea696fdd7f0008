/**
 * Settings of {@link createGitHubSandbox}, parsed once with zod.
 *
 * @module
 */
import { type Clock, parseInput, type SecurityEventEmitter } from '@warden/core';
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
import type { CodespaceExecTransport } from './codespace-exec-transport.js';

/** GitHub's `geo` values for a new codespace. */
export type CodespaceGeo = 'EuropeWest' | 'SoutheastAsia' | 'UsEast' | 'UsWest';

/** Settings for {@link createGitHubSandbox}. */
export interface GitHubSandboxConfig extends GitHubClientSettings {
  /** An Octokit to use (never closed by the sandbox). Give this or `token`. */
  octokit?: GitHubClient;
  /** A token allowed to manage the user's codespaces (`codespace` scope). Give this or `octokit`. */
  token?: string;
  /** Owner of the repository codespaces are created from. */
  owner: string;
  /** Repository codespaces are created from. */
  repo: string;
  /** Git ref to check out. @default the repository's default branch */
  ref?: string;
  /** Path of the `devcontainer.json` to use. @default GitHub's choice */
  devcontainerPath?: string;
  /** Machine type, for example `basicLinux32gb`. @default the largest machine within the constraints' CPU and memory, else the smallest */
  machine?: string;
  /** Region. @default GitHub's choice by IP */
  geo?: CodespaceGeo;
  /**
   * Start of every display name (`<prefix>-<random>`, within GitHub's 48 characters). `list()`
   * and a restarted process find their codespaces by it, so give each deployment its own.
   * @default 'warden'
   */
  namePrefix?: string;
  /** Minutes of inactivity before GitHub stops a codespace (5–240). @default the constraints' timeoutMs in minutes, within 5–240 */
  idleTimeoutMinutes?: number;
  /** Minutes a stopped codespace is kept before GitHub deletes it (0–43200). @default the idle timeout */
  retentionPeriodMinutes?: number;
  /** Default per-command timeout when the constraints give none. @default 300000 */
  defaultTimeoutMs?: number;
  /** How commands reach the codespace. @default `gh codespace ssh` (with `token` as `GH_TOKEN` when given) */
  transport?: CodespaceExecTransport;
  /** How long `create` waits for the codespace to become `Available`. @default 600000 */
  readyTimeoutMs?: number;
  /** How often `create` polls the codespace's state. @default 5000 */
  pollIntervalMs?: number;
  /** Receives `sandbox_created` and `sandbox_destroyed` events. */
  events?: SecurityEventEmitter;
  /** Clock for deadlines. @default Date.now */
  now?: Clock;
}

/** {@link GitHubSandboxConfig} after parsing, defaults filled in. */
export interface ParsedGitHubSandboxConfig extends GitHubSandboxConfig {
  namePrefix: string;
  defaultTimeoutMs: number;
  readyTimeoutMs: number;
  pollIntervalMs: number;
  now: Clock;
}

/** The longest display-name prefix: GitHub allows 48 characters and the suffix takes 13. */
const MAX_PREFIX_LENGTH = 35;

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'must be a function',
);

const sandboxSettingsSchema = z.object({
  octokit: z
    .custom<GitHubClient>((value) => typeof (value as { request?: unknown } | null)?.request === 'function')
    .optional(),
  token: z.string().min(1).max(4096).optional(),
  owner: gitHubNameSchema,
  repo: gitHubNameSchema,
  ref: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be a git ref')
    .optional(),
  devcontainerPath: z
    .string()
    .regex(/^[\x20-\x7e]{1,1024}$/, 'must be a path')
    .optional(),
  machine: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a machine type name')
    .optional(),
  geo: z.enum(['EuropeWest', 'SoutheastAsia', 'UsEast', 'UsWest']).optional(),
  namePrefix: z
    .string()
    .regex(
      new RegExp(`^[a-z][a-z0-9-]{0,${MAX_PREFIX_LENGTH - 1}}$`),
      `must be lower-case letters, digits and -, at most ${MAX_PREFIX_LENGTH} characters`,
    )
    .optional(),
  idleTimeoutMinutes: z.number().int().min(5).max(240).optional(),
  retentionPeriodMinutes: z.number().int().min(0).max(43_200).optional(),
  defaultTimeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  transport: z
    .custom<CodespaceExecTransport>((value) => typeof (value as { execute?: unknown } | null)?.execute === 'function')
    .optional(),
  readyTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  pollIntervalMs: z.number().int().min(1).max(60_000).optional(),
  events: z
    .custom<SecurityEventEmitter>((value) => typeof (value as { emit?: unknown })?.emit === 'function')
    .optional(),
  now: functionSchema.optional(),
});

const settingsSchema = requireOctokitOrToken(gitHubClientSettingsSchema.and(sandboxSettingsSchema));

/** Parses the settings; throws `InvalidInputError` naming the field. */
export function parseGitHubSandboxConfig(given: GitHubSandboxConfig): ParsedGitHubSandboxConfig {
  const config = ownSettings(given);
  parseInput(settingsSchema, config, 'GitHub Codespaces sandbox settings');
  refuseUnknownSettings(config, Object.keys(sandboxSettingsSchema.shape), 'GitHub Codespaces sandbox settings');
  return ownSettings({
    ...config,
    namePrefix: config.namePrefix ?? 'warden',
    defaultTimeoutMs: config.defaultTimeoutMs ?? 300_000,
    readyTimeoutMs: config.readyTimeoutMs ?? 600_000,
    pollIntervalMs: config.pollIntervalMs ?? 5_000,
    now: config.now ?? Date.now,
  });
}
