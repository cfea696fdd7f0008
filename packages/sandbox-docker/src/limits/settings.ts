/**
 * Settings of {@link createDockerSandbox}: the documented interface, its zod schema, and the
 * resolved form the adapter works with.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Clock,
  InvalidInputError,
  ownOptions,
  parseInput,
  type SandboxConstraints,
  sandboxConstraintsSchema,
  systemClock,
} from '@warden/core';
import type Docker from 'dockerode';
import { z } from 'zod';
import { dockerConnectionFields } from '../docker-client.js';
import { rejectForbiddenOptions } from './forbidden.js';

/** The image {@link buildSandboxImage} builds and {@link createDockerSandbox} runs by default. */
export const DEFAULT_SANDBOX_IMAGE = 'warden-sandbox:latest';

/** Constraints used where neither the caller nor `defaults` set a value (Warden's semi-trusted policy). */
export const DEFAULT_SANDBOX_CONSTRAINTS: Readonly<
  Required<Omit<SandboxConstraints, 'env' | 'allowedPaths' | 'writablePaths'>>
> = Object.freeze({
  maxMemoryMb: 512,
  maxCpuPercent: 50,
  maxPids: 100,
  networkPolicy: 'none',
  timeoutMs: 300_000,
});

/** An egress proxy: an internal Docker network whose only way out is a proxy at `url`. */
export interface EgressProxySettings {
  /** Name of a Docker network created with `internal: true`; the proxy container must be attached to it. */
  network: string;
  /** Proxy URL given to the sandbox as `HTTP_PROXY`/`HTTPS_PROXY`, for example `http://egress-proxy:3128`. */
  url: string;
}

/** Upper bounds on constraints; larger values are refused with `INVALID_INPUT`. */
export interface SandboxCeilings {
  /** @default the engine's total memory */
  maxMemoryMb?: number;
  /** @default 100 × the engine's CPU count */
  maxCpuPercent?: number;
  /** @default 32768 */
  maxPids?: number;
}

/** Settings of {@link createDockerSandbox}. Every field is optional. */
export interface DockerSandboxConfig {
  /** A dockerode client to use. The adapter never closes a client it was given. */
  docker?: Docker;
  /** Engine address when no `docker` is given. @default process.env.DOCKER_HOST, else the local socket */
  dockerHost?: string;
  /** Image to run; it needs `/bin/sh` (busybox is enough). @default 'warden-sandbox:latest' */
  image?: string;
  /**
   * Numeric `uid:gid` the sandbox runs as, each at most 2147483647; uid 0 and gid 0 (root's group)
   * are refused. @default '65534:65534'
   */
  user?: string;
  /** Working directory of commands. @default '/tmp' */
  workdir?: string;
  /** Extra container labels. Keys starting with `dev.warden.` are reserved. @default {} */
  labels?: Record<string, string>;
  /**
   * Identifies this application's sandboxes in labels, for cleanup and the startup sweep. Give
   * every process its own: an instance removes only this owner's sandboxes that are no longer
   * running. @default `default-<host>-<pid>-<random>`, unique per process
   */
  ownerId?: string;
  /**
   * The OCI runtime sandboxes run under: `'runc'` (the engine's default) or any runtime the engine
   * has registered, such as `'runsc'` (gVisor, a user-space kernel between the code and the host's).
   * @default 'runc'
   */
  runtime?: 'runc' | 'runsc' | (string & {});
  /**
   * Host directories inside which a path in `allowedPaths`/`writablePaths` may resolve when it is,
   * or passes through, a symlink. Without them such a path is refused: code in an earlier sandbox
   * with a writable path may have planted the symlink. @default [] (no symlinks)
   */
  symlinkRoots?: string[];
  /** Constraints filling the gaps of each `create` call. @default {@link DEFAULT_SANDBOX_CONSTRAINTS} */
  defaults?: SandboxConstraints;
  /** Upper bounds on constraints. @default see {@link SandboxCeilings} */
  ceilings?: SandboxCeilings;
  /** Size of the `/tmp` tmpfs in MiB, at most a quarter of a sandbox's `maxMemoryMb` (its pages belong to no process). @default 64 */
  tmpSizeMb?: number;
  /** Open-files limit (`nofile`, soft and hard). @default 1024 */
  nofile?: number;
  /** Keep `size` sandboxes with the default constraints started, so `create()` is a hand-out. @default no pool */
  pool?: { size: number };
  /** Run commands through the in-container supervisor (fast); `false` uses Engine-API exec. @default true */
  fastExec?: boolean;
  /** Needed for `networkPolicy: 'egress-only'`; without it that policy is refused. @default none */
  egressProxy?: EgressProxySettings;
  /** Docker network used for `networkPolicy: 'full'`. `host` is refused. @default 'bridge' */
  fullNetwork?: string;
  /** Credential-looking environment variable names that may still be passed in. @default [] */
  allowCredentialEnv?: string[];
  /** On first use, remove this owner's stopped Warden containers left by a crashed process. @default true */
  sweepOnStart?: boolean;
  /** How long `create` waits for a started container to report ready, in ms. @default 30000 */
  startTimeoutMs?: number;
  /** The clock, for `createdAt`. @default Date.now */
  now?: Clock;
}

/** {@link DockerSandboxConfig} with defaults applied. */
export interface ResolvedDockerSandboxSettings {
  docker: Docker | undefined;
  dockerHost: string | undefined;
  image: string;
  user: string;
  uid: number;
  gid: number;
  workdir: string;
  labels: Record<string, string>;
  ownerId: string;
  runtime: string;
  symlinkRoots: readonly string[];
  defaults: SandboxConstraints;
  ceilings: SandboxCeilings;
  tmpSizeMb: number;
  nofile: number;
  poolSize: number;
  fastExec: boolean;
  egressProxy: EgressProxySettings | undefined;
  fullNetwork: string;
  allowCredentialEnv: ReadonlySet<string>;
  sweepOnStart: boolean;
  startTimeoutMs: number;
  now: Clock;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** The largest uid or gid runc and busybox's `start-stop-daemon` accept. */
const MAX_ID = 2_147_483_647;
const IMAGE = /^(?!.*\.\.)[a-z0-9][a-z0-9._\-/:@]{0,254}$/i;
const NETWORK = z
  .string()
  .regex(NAME, 'must be a Docker network name')
  .refine((name) => name !== 'host', 'the host network is never allowed')
  .refine((name) => name !== 'none', 'must name a real network');

const settingsSchema = z
  .object({
    ...dockerConnectionFields,
    image: z.string().regex(IMAGE, 'must be an image reference').optional(),
    user: z
      .string()
      .regex(/^\d{1,10}:\d{1,10}$/, 'must be a numeric uid:gid')
      // Ids past 2^31 - 1 are refused by runc and start-stop-daemon, and past 2^32 they name root
      // modulo 2^32 to anything that truncates: refused here, where the field can be named.
      .refine((user) => user.split(':').every((id) => Number(id) <= MAX_ID), `ids must be at most ${MAX_ID}`)
      .refine((user) => Number(user.split(':')[0]) !== 0, 'must not be root (uid 0)')
      // Group root reads and writes what root's group may: group-writable directories of the
      // image (often made so for arbitrary uids) and root-group files of mounted host paths.
      .refine((user) => Number(user.split(':')[1]) !== 0, 'must not be in the root group (gid 0)')
      .optional(),
    workdir: z
      .string()
      .regex(/^\/[^\0]{0,4095}$/, 'must be an absolute path')
      .refine((path) => !path.split('/').includes('..'), 'must not contain ".."')
      .optional(),
    labels: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/i, 'must be a label key'), z.string().max(1024))
      .optional(),
    ownerId: z.string().regex(NAME, 'must be 1-128 letters, digits, ".", "_" or "-"').optional(),
    runtime: z.string().regex(NAME, 'must be a runtime name the engine has registered').optional(),
    symlinkRoots: z
      .array(
        z
          .string()
          .regex(/^\/[^\0]{0,4095}$/, 'must be an absolute path')
          .refine((path) => !path.split('/').includes('..'), 'must not contain ".."'),
      )
      .optional(),
    defaults: sandboxConstraintsSchema.optional(),
    ceilings: z
      .object({
        maxMemoryMb: z.number().int().min(6).max(1_048_576).optional(),
        maxCpuPercent: z.number().min(1).max(12_800).optional(),
        maxPids: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional(),
    tmpSizeMb: z.number().int().min(1).max(65_536).optional(),
    nofile: z.number().int().min(64).max(1_048_576).optional(),
    pool: z
      .object({ size: z.number().int().min(0).max(64) })
      .strict()
      .optional(),
    fastExec: z.boolean().optional(),
    egressProxy: z
      .object({ network: NETWORK, url: z.url({ protocol: /^https?$/ }) })
      .strict()
      .optional(),
    fullNetwork: NETWORK.optional(),
    allowCredentialEnv: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,255}$/, 'must be a variable name'))
      .optional(),
    sweepOnStart: z.boolean().optional(),
    startTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    now: z.custom<Clock>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict();

let defaultOwnerId: string | undefined;

/** This process's default owner id: unique per process, stable for its lifetime. */
function processOwnerId(): string {
  const host = hostname()
    .replace(/[^a-zA-Z0-9_.-]/g, '-')
    .slice(0, 40);
  defaultOwnerId ??= `default-${host || 'host'}-${process.pid}-${randomBytes(4).toString('hex')}`;
  return defaultOwnerId;
}

/** Parses {@link DockerSandboxConfig} once; throws `InvalidInputError` naming the field at fault. */
export function resolveDockerSandboxSettings(given: DockerSandboxConfig = {}): ResolvedDockerSandboxSettings {
  // Own fields only, in and out: an Object.prototype.dockerHost or .runtime set by another library
  // must not choose the engine or the runtime.
  const config = ownOptions(given);
  rejectForbiddenOptions(config, 'Docker sandbox settings');
  const parsed = ownOptions(parseInput(settingsSchema, config, 'Docker sandbox settings'));
  for (const key of Object.keys(parsed.labels ?? {})) {
    if (key.startsWith('dev.warden.')) {
      throw new InvalidInputError({
        message: `Invalid Docker sandbox settings: labels.${key}: keys starting with "dev.warden." are reserved`,
        issues: [{ path: `labels.${key}`, message: 'reserved label key' }],
      });
    }
  }
  const user = parsed.user ?? '65534:65534';
  const [uid, gid] = user.split(':').map(Number) as [number, number];
  return {
    docker: parsed.docker,
    dockerHost: parsed.dockerHost,
    image: parsed.image ?? DEFAULT_SANDBOX_IMAGE,
    user,
    uid,
    gid,
    workdir: parsed.workdir ?? '/tmp',
    labels: { ...parsed.labels },
    ownerId: parsed.ownerId ?? processOwnerId(),
    runtime: parsed.runtime ?? 'runc',
    symlinkRoots: [...(parsed.symlinkRoots ?? [])],
    defaults: { ...parsed.defaults },
    ceilings: { ...parsed.ceilings },
    tmpSizeMb: parsed.tmpSizeMb ?? 64,
    nofile: parsed.nofile ?? 1024,
    poolSize: parsed.pool?.size ?? 0,
    fastExec: parsed.fastExec ?? true,
    egressProxy: parsed.egressProxy,
    fullNetwork: parsed.fullNetwork ?? 'bridge',
    allowCredentialEnv: new Set(parsed.allowCredentialEnv ?? []),
    sweepOnStart: parsed.sweepOnStart ?? true,
    startTimeoutMs: parsed.startTimeoutMs ?? 30_000,
    now: parsed.now ?? systemClock,
  };
}
