import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import {
  type Clock,
  InvalidInputError,
  ownOptions,
  parseInput,
  type SecurityEventEmitter,
  systemClock,
} from '@warden/core';
import {
  databaseOf,
  keyPrefixSchema,
  minReplicaAcksSchema,
  type RedisConnectionConfig,
  type RedisTarget,
  redisConnectionShape,
  replicaAcksFor,
  resolveRedisTarget,
  topologyOf,
} from '@warden/redis-client';
import { z } from 'zod';

/** How `isActive()` answers when the local copy is stale because Redis cannot be reached. */
export type RedisKillSwitchFailMode = 'closed' | 'open';

/** An Ed25519 key: a `KeyObject`, or PEM text (SPKI for a public key, PKCS #8 for a private one). */
export type KillSwitchKey = KeyObject | string;

/**
 * Config of {@link createRedisKillSwitch}. Give one of `redis`, `url`, `sentinels` or
 * `clusterNodes` (default: `REDIS_URL`).
 */
export interface RedisKillSwitchConfig extends RedisConnectionConfig {
  /**
   * Which switch: one Redis can hold many independent switches (`global`, `tenant-42`,
   * `agent.reviewer`). Letters, digits, `.`, `_` and `-`, at most 128 characters, so a name
   * can never reach into another switch's keys. It is also the switch's Cluster hash tag.
   * @default 'global'
   */
  name?: string;
  /** Prefix of every key. Letters, digits, `.`, `_`, `-` and `:`. @default 'warden:kill-switch:' */
  keyPrefix?: string;
  /**
   * How old (ms) the local copy may get while Redis cannot be reached before `isActive()`
   * stops trusting it (measured on a monotonic clock). @default 5000
   */
  staleAfterMs?: number;
  /**
   * `'closed'`: a stale copy answers active. `'open'`: a stale copy keeps answering the last
   * state Redis confirmed. A missing or unverifiable state record, or none read yet, answers active
   * either way.
   * @default 'closed'
   */
  failMode?: RedisKillSwitchFailMode;
  /**
   * How often (ms) each instance re-reads the state, in case a change-stream entry was missed
   * (a lost connection, a record written by hand).
   * Smaller than `staleAfterMs`. @default staleAfterMs / 5 (1000 with the default staleAfterMs)
   */
  refreshIntervalMs?: number;
  /** How long (ms) one Redis command may take before it counts as failed. @default 1000 */
  commandTimeoutMs?: number;
  /**
   * How many replicas must acknowledge an activation (Redis `WAIT`) before `activate()`
   * resolves, so a failover cannot lose it. Not applied on Cluster (`WAIT` would reach a random
   * node). @default 1 with `sentinels` (or an injected Sentinel client), else 0
   */
  minReplicaAcks?: number;
  /** How many changes the shared history keeps, newest first. @default 100 */
  historyLimit?: number;
  /**
   * The operator's Ed25519 public key. When set, an instance reads a state as inactive only when
   * the record is signed by the matching private key; an unsigned, badly signed or rolled-back
   * record is unknown and answers active (deny).
   */
  verifyKey?: KillSwitchKey;
  /** The operator's Ed25519 private key, where changes are made: every change is signed with it. */
  signingKey?: KillSwitchKey;
  /**
   * Receives `kill_switch_activated` / `kill_switch_deactivated` for every change this instance
   * makes, and (with `observed: true`) for every change it sees made elsewhere; a
   * `policy_warning` when Redis keeps no data across a restart.
   */
  events?: SecurityEventEmitter;
  /** Told about Redis errors and listener exceptions, which never reach the host otherwise. @default ignore */
  onError?: (error: unknown) => void;
  /**
   * Wall clock for `changedAt` (staleness uses a monotonic clock, never this). A reading that is no
   * time (NaN, Infinity, past what a `Date` holds) is replaced by `Date.now()` and reported to
   * `onError`: a broken clock never keeps a stop from holding. @default Date.now
   */
  now?: Clock;
}

/** {@link RedisKillSwitchConfig} after parsing: every default filled in, keys derived. */
export interface ParsedRedisKillSwitchConfig {
  /** Where to connect. */
  target: RedisTarget;
  /** The database the connection selects (signed records are bound to it). */
  database: number;
  /** The switch's name. */
  name: string;
  /** The key prefix. */
  keyPrefix: string;
  /** Where the state lives (a hash). */
  stateKey: string;
  /** Where the bounded history lives (a list). */
  historyKey: string;
  /** The change stream every instance follows (`XREAD BLOCK`), beside the state. */
  changesKey: string;
  /** See {@link RedisKillSwitchConfig.staleAfterMs}. */
  staleAfterMs: number;
  /** See {@link RedisKillSwitchConfig.failMode}. */
  failMode: RedisKillSwitchFailMode;
  /** See {@link RedisKillSwitchConfig.refreshIntervalMs}. */
  refreshIntervalMs: number;
  /** See {@link RedisKillSwitchConfig.commandTimeoutMs}. */
  commandTimeoutMs: number;
  /** See {@link RedisKillSwitchConfig.minReplicaAcks}. */
  minReplicaAcks: number;
  /** See {@link RedisKillSwitchConfig.historyLimit}. */
  historyLimit: number;
  /** See {@link RedisKillSwitchConfig.verifyKey}. */
  verifyKey: KeyObject | undefined;
  /** See {@link RedisKillSwitchConfig.signingKey}. */
  signingKey: KeyObject | undefined;
  /** See {@link RedisKillSwitchConfig.events}. */
  events: SecurityEventEmitter | undefined;
  /** See {@link RedisKillSwitchConfig.onError}. */
  onError: (error: unknown) => void;
  /** See {@link RedisKillSwitchConfig.now}. */
  now: Clock;
}

/** Names that cannot reach into other keys: no `:`, `*`, `{`, whitespace or control characters. */
const switchNameSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');

const isEventEmitter = (value: unknown): value is SecurityEventEmitter =>
  typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).emit === 'function';

const milliseconds = z.number().int().positive().max(86_400_000);

const keySchema = z.custom<KillSwitchKey>(
  (value) => typeof value === 'string' || (typeof value === 'object' && value !== null && 'asymmetricKeyType' in value),
  'must be an Ed25519 KeyObject or PEM text',
);

const configSchema = z
  .object({
    ...redisConnectionShape,
    name: switchNameSchema.default('global'),
    keyPrefix: keyPrefixSchema.default('warden:kill-switch:'),
    staleAfterMs: milliseconds.default(5_000),
    failMode: z.enum(['closed', 'open']).default('closed'),
    refreshIntervalMs: milliseconds.optional(),
    commandTimeoutMs: milliseconds.default(1_000),
    minReplicaAcks: minReplicaAcksSchema.optional(),
    historyLimit: z.number().int().min(1).max(10_000).default(100),
    verifyKey: keySchema.optional(),
    signingKey: keySchema.optional(),
    events: z.custom<SecurityEventEmitter>(isEventEmitter, 'must be a SecurityEventEmitter').optional(),
    onError: z
      .custom<(error: unknown) => void>((value) => typeof value === 'function', 'must be a function')
      .optional(),
    now: z.custom<Clock>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict()
  .refine((config) => config.refreshIntervalMs === undefined || config.staleAfterMs > config.refreshIntervalMs, {
    message: 'must be larger than refreshIntervalMs',
    path: ['staleAfterMs'],
  });

const WHAT = 'Redis kill switch config';

/**
 * Parses the config once, filling in defaults (the URL from `env.REDIS_URL`). Throws
 * `InvalidInputError` naming the field at fault.
 */
export function parseRedisKillSwitchConfig(
  config: RedisKillSwitchConfig,
  env: NodeJS.ProcessEnv = process.env,
): ParsedRedisKillSwitchConfig {
  // Own fields only, in and out: an Object.prototype.failMode = 'open' set by another library must
  // not make this switch answer from a stale copy, nor a .verifyKey decide whose records count.
  const parsed = ownOptions(parseInput(configSchema, ownOptions(config), WHAT));
  const onError = neverThrowing(parsed.onError);
  const target = resolveRedisTarget(parsed, WHAT, env);
  const tagged = `${parsed.keyPrefix}{${parsed.name}}`;
  const verifyKey = parseKey(parsed.verifyKey, 'public', 'verifyKey');
  const signingKey = parseKey(parsed.signingKey, 'private', 'signingKey');
  if (verifyKey && signingKey && !createPublicKey(signingKey).equals(verifyKey)) {
    // Every change it signed would read as unknown everywhere: a deactivate() that resolves
    // while nothing is released. Refused here rather than found out during an incident.
    throw new InvalidInputError({
      message: `${WHAT}: signingKey is not the private half of verifyKey: what it signs would never verify`,
      issues: [{ path: 'signingKey', message: 'must pair with verifyKey' }],
    });
  }
  return {
    target,
    database: databaseOf(target),
    name: parsed.name,
    keyPrefix: parsed.keyPrefix,
    stateKey: `${tagged}:state`,
    historyKey: `${tagged}:history`,
    changesKey: `${tagged}:changes`,
    staleAfterMs: parsed.staleAfterMs,
    failMode: parsed.failMode,
    // A re-read interval nobody chose follows the staleness they did choose.
    refreshIntervalMs: parsed.refreshIntervalMs ?? Math.max(1, Math.floor(parsed.staleAfterMs / 5)),
    commandTimeoutMs: parsed.commandTimeoutMs,
    minReplicaAcks: replicaAcksFor(topologyOf(target), parsed.minReplicaAcks),
    historyLimit: parsed.historyLimit,
    verifyKey,
    signingKey,
    events: parsed.events,
    onError,
    now: parsed.now ? checkedClock(parsed.now, onError) : systemClock,
  };
}

/** The latest time a `Date` can hold (ms since the epoch): past it no change can be stamped. */
const MAX_DATE_MS = 8.64e15;

/**
 * A clock that always gives a time a change can be stamped with: a reading that is not one (NaN,
 * Infinity, past what a `Date` holds, not a number) would throw out of `activate()` before the stop
 * held anywhere, or number a signed change "NaN". That reading is replaced by the system clock's
 * and reported to `onError`.
 */
function checkedClock(now: Clock, onError: (error: unknown) => void): Clock {
  return () => {
    const reading: unknown = now();
    if (typeof reading === 'number' && Number.isFinite(reading) && Math.abs(reading) <= MAX_DATE_MS) return reading;
    onError(
      new InvalidInputError({
        message: `${WHAT}: now() returned ${String(reading).slice(0, 40)}, not a time in ms; used the system clock instead`,
        issues: [{ path: 'now', message: 'must return a time in ms' }],
      }),
    );
    return Date.now();
  };
}

function parseKey(key: KillSwitchKey | undefined, type: 'public' | 'private', field: string): KeyObject | undefined {
  if (key === undefined) return undefined;
  let parsedKey: unknown;
  try {
    parsedKey = typeof key === 'string' ? (type === 'public' ? createPublicKey(key) : createPrivateKey(key)) : key;
  } catch {
    parsedKey = undefined;
  }
  // A real KeyObject only: an object that merely looks like one failed later, inside node:crypto,
  // with a TypeError instead of this error.
  const valid = parsedKey instanceof KeyObject && parsedKey.asymmetricKeyType === 'ed25519' && parsedKey.type === type;
  parseInput(
    z.object({ [field]: z.literal(true, { error: `must be an Ed25519 ${type} key` }) }),
    { [field]: valid },
    WHAT,
  );
  if (type === 'public' && typeof key === 'string' && holdsPrivateKey(key)) {
    // createPublicKey derives the public half of a private key's PEM without a word: the operator's
    // signing key, copied to every worker as their verifyKey, would have worked, unnoticed.
    throw new InvalidInputError({
      message: `${WHAT}: ${field} is a private key's PEM; give the public key (SPKI PEM) and keep the private one where changes are made`,
      issues: [{ path: field, message: 'must be a public key, not a private one' }],
    });
  }
  return parsedKey as KeyObject;
}

/** True when PEM text holds a private key (which `createPublicKey` would quietly accept). */
function holdsPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** A hook that throws must not turn a Redis error into a crash of the host. */
function neverThrowing(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  return (error) => {
    try {
      onError?.(error);
    } catch {
      // Nowhere left to report it.
    }
  };
}
