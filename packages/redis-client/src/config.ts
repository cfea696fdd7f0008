import { parseInput } from '@warden/core';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';

/** A client the adapters accept: a single Redis (also one behind Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** One Redis node or sentinel, on a host and port. */
export interface RedisNodeAddress {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
}

/**
 * TLS for the connections Warden opens: `true` (the system's CAs, the host name checked), or
 * node's usual fields. Certificate checking cannot be turned off.
 */
export type RedisTlsConfig =
  | true
  | {
      /** CA certificates (PEM) to trust instead of the system's. */
      ca?: string | Buffer | Array<string | Buffer>;
      /** Client certificate (PEM), for mutual TLS. */
      cert?: string | Buffer;
      /** Client private key (PEM), for mutual TLS. */
      key?: string | Buffer;
      /** The name the server's certificate must hold (SNI), when it differs from the host. */
      servername?: string;
    };

/**
 * Where a Warden Redis adapter connects: every adapter's config extends this. Give exactly one of
 * `redis`, `url`, `sentinels` or `clusterNodes`; with none, `REDIS_URL` is used.
 */
export interface RedisConnectionConfig {
  /**
   * An ioredis client to use (`Redis`, also one built with `sentinels`, or `Cluster`). The adapter
   * never closes a client it did not create.
   */
  redis?: RedisClient;
  /** A `redis://` or `rediss://` URL of a single Redis. @default process.env.REDIS_URL */
  url?: string;
  /** Sentinels that know the master named `sentinelMasterName` (Redis Sentinel, for failover). */
  sentinels?: readonly RedisNodeAddress[];
  /** The master name the sentinels monitor. Required with `sentinels`. */
  sentinelMasterName?: string;
  /** Some nodes of a Redis Cluster (the others are discovered). */
  clusterNodes?: readonly RedisNodeAddress[];
  /**
   * The ACL user of the Redis server(s) (`url`, the master behind `sentinels`, every Cluster node).
   * Never logged; not with `redis`, nor with a `url` that holds credentials.
   */
  username?: string;
  /** The password of the Redis server(s), like `username`. Never logged nor shown in an error. */
  password?: string;
  /** The ACL user of the sentinels themselves (with `sentinels` only). */
  sentinelUsername?: string;
  /** The password of the sentinels themselves (with `sentinels` only). Never logged nor shown in an error. */
  sentinelPassword?: string;
  /**
   * TLS to the Redis server(s), sentinels included (with `url`, use `rediss://` or this). Not with
   * `redis` (configure the injected client).
   */
  tls?: RedisTlsConfig;
  /** How long (ms) one Redis command may take before it fails. Each adapter documents its default. */
  commandTimeoutMs?: number;
}

/** Credentials and TLS of a connection Warden opens (see {@link RedisConnectionConfig}). */
export interface RedisAuth {
  /** ACL user of the Redis server(s). */
  username?: string;
  /** Password of the Redis server(s). */
  password?: string;
  /** ACL user of the sentinels. */
  sentinelUsername?: string;
  /** Password of the sentinels. */
  sentinelPassword?: string;
  /** TLS to every connection. */
  tls?: RedisTlsConfig;
}

/**
 * Where to connect, after parsing: the injected client, or how to open one of our own (with
 * `auth` when credentials or TLS were given). It holds secrets: never log it.
 */
export type RedisTarget =
  | { kind: 'client'; client: RedisClient }
  | { kind: 'url'; url: string; auth?: RedisAuth }
  | { kind: 'sentinel'; sentinels: RedisNodeAddress[]; masterName: string; auth?: RedisAuth }
  | { kind: 'cluster'; nodes: RedisNodeAddress[]; auth?: RedisAuth };

/** The topology an adapter runs on, for what it must wait for (a replica's acknowledgement) and report. */
export type RedisTopology = 'single' | 'sentinel' | 'cluster';

/** True for an object that looks like an ioredis client (or Cluster). */
export function isRedisClient(value: unknown): value is RedisClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['eval', 'evalsha', 'duplicate', 'hgetall', 'pipeline'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
  );
}

/** True for an ioredis `Cluster` (it alone has `nodes()`). */
export function isCluster(client: RedisClient): client is Cluster {
  return typeof (client as { nodes?: unknown }).nodes === 'function' && 'slots' in client;
}

const pem = z.union([z.string().min(1).max(100_000), z.instanceof(Buffer)]);
// Secrets: the messages never echo the value (zod does not copy the input into its issues).
const secretSchema = z.string().min(1, 'must not be empty').max(4_096, 'must be at most 4096 characters');
const aclUserSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be 1 to 256 printable characters without spaces');
const tlsSchema: z.ZodType<RedisTlsConfig> = z.union([
  z.literal(true),
  z
    .object({
      ca: z.union([pem, z.array(pem).min(1).max(100)]).optional(),
      cert: pem.optional(),
      key: pem.optional(),
      servername: z.string().min(1).max(255).optional(),
    })
    .strict(),
]);

const nodeAddressSchema = z
  .object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65_535) })
  .strict();

/**
 * A key prefix: letters, digits, `.`, `_`, `-` and `:`. No braces: the adapters add the hash tags
 * themselves (one per switch or per request), and a `{` in a prefix would move every key of a
 * store into one Cluster slot.
 */
export const keyPrefixSchema: z.ZodType<string> = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", "-" or ":" (hash tags are added per key)');

/**
 * The connection fields as zod shape entries, to spread into an adapter's config schema.
 * `commandTimeoutMs` is left to the adapter (its default differs).
 */
export const redisConnectionShape: {
  redis: z.ZodOptional<z.ZodType<RedisClient>>;
  url: z.ZodOptional<z.ZodString>;
  sentinels: z.ZodOptional<z.ZodType<RedisNodeAddress[]>>;
  sentinelMasterName: z.ZodOptional<z.ZodString>;
  clusterNodes: z.ZodOptional<z.ZodType<RedisNodeAddress[]>>;
  username: z.ZodOptional<z.ZodType<string>>;
  password: z.ZodOptional<z.ZodType<string>>;
  sentinelUsername: z.ZodOptional<z.ZodType<string>>;
  sentinelPassword: z.ZodOptional<z.ZodType<string>>;
  tls: z.ZodOptional<z.ZodType<RedisTlsConfig>>;
} = {
  redis: z.custom<RedisClient>(isRedisClient, 'must be an ioredis client or Cluster').optional(),
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  sentinels: z.array(nodeAddressSchema).min(1).max(32).optional(),
  sentinelMasterName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be letters, digits, ".", "_" or "-"')
    .optional(),
  clusterNodes: z.array(nodeAddressSchema).min(1).max(1_000).optional(),
  username: aclUserSchema.optional(),
  password: secretSchema.optional(),
  sentinelUsername: aclUserSchema.optional(),
  sentinelPassword: secretSchema.optional(),
  tls: tlsSchema.optional(),
};

/** Connection fields after parsing: at most one of them picks the target. */
export type ParsedConnection = {
  redis?: RedisClient | undefined;
  url?: string | undefined;
  sentinels?: RedisNodeAddress[] | undefined;
  sentinelMasterName?: string | undefined;
  clusterNodes?: RedisNodeAddress[] | undefined;
  username?: string | undefined;
  password?: string | undefined;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  tls?: RedisTlsConfig | undefined;
};

/**
 * Picks the one connection target from parsed settings (`REDIS_URL` when none is given). Throws
 * `InvalidInputError` naming the field when two are given, or none and no `REDIS_URL`.
 */
export function resolveRedisTarget(
  parsed: ParsedConnection,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): RedisTarget {
  const given = (['redis', 'url', 'sentinels', 'clusterNodes'] as const).filter((field) => parsed[field] !== undefined);
  const fail = (field: string, message: string): never => {
    parseInput(z.object({ [field]: z.never({ error: message }) }), { [field]: 1 }, what);
    throw new Error('unreachable');
  };
  if (given.length > 1)
    fail(given[1] ?? 'url', `give only one of redis, url, sentinels or clusterNodes (got ${given.join(', ')})`);
  if (parsed.sentinelMasterName !== undefined && !parsed.sentinels) fail('sentinelMasterName', 'needs sentinels');
  for (const field of ['sentinelUsername', 'sentinelPassword'] as const) {
    if (parsed[field] !== undefined && !parsed.sentinels) fail(field, 'needs sentinels');
  }
  const auth = authOf(parsed);
  if (parsed.redis) {
    const ignored = AUTH_FIELDS.find((field) => parsed[field] !== undefined);
    if (ignored) fail(ignored, 'not with redis: configure the injected client itself');
    return { kind: 'client', client: parsed.redis };
  }
  if (parsed.sentinels) {
    if (!parsed.sentinelMasterName) fail('sentinelMasterName', 'required with sentinels');
    return { kind: 'sentinel', sentinels: parsed.sentinels, masterName: parsed.sentinelMasterName ?? '', ...auth };
  }
  if (parsed.clusterNodes) return { kind: 'cluster', nodes: parsed.clusterNodes, ...auth };
  const url = parsed.url ?? env.REDIS_URL;
  if (!url) return fail('url', 'set url, REDIS_URL, sentinels, clusterNodes or redis');
  // Checked now, not by ioredis on first use: a URL that does not parse failed only then, with
  // the whole URL, password included, in its error's `input` for any log to print. The message
  // never repeats the URL.
  if (!URL.canParse(url)) return fail('url', 'must be a valid redis:// or rediss:// URL (it does not parse)');
  // ioredis reads the path as the database number and parses it with parseInt: "/prod" or "/1x"
  // would silently select database 0 (or 1), another deployment's data.
  const parsedUrl = new URL(url);
  if (!/^\/?(?:[0-9]{1,5})?$/.test(parsedUrl.pathname)) {
    return fail('url', 'the path must be a database number (redis://host:6379/2)');
  }
  // ioredis takes every query parameter as a client option, ahead of the ones Warden passes:
  // `?enableOfflineQueue=true` or `?commandTimeout=60000` would undo failing fast.
  const unsupported = [...parsedUrl.searchParams.keys()].find((key) => !URL_PARAMETERS.has(key));
  if (unsupported !== undefined) {
    return fail('url', `query parameter "${unsupported.slice(0, 40)}" is not supported (only db and family)`);
  }
  // ioredis takes the last of a repeated parameter, and a path database ahead of `?db=`: one
  // database, named once, so that `databaseOf` (what a backend binds its signatures to) and the
  // database selected cannot differ.
  const repeated = [...URL_PARAMETERS].find((key) => parsedUrl.searchParams.getAll(key).length > 1);
  if (repeated !== undefined) return fail('url', `query parameter "${repeated}" is given more than once`);
  const dbParameter = parsedUrl.searchParams.get('db');
  if (dbParameter !== null && (parsedUrl.pathname.length > 1 || !/^[0-9]{1,5}$/.test(dbParameter))) {
    return fail('url', 'the db parameter must be a database number, and the only one (not with a path such as /2)');
  }
  // ioredis decodes them with decodeURIComponent when it builds the client: a stray "%" threw a
  // URIError out of the first command (an activate() then failed untyped, before anything held).
  if (!decodesAsUriComponent(parsedUrl.username) || !decodesAsUriComponent(parsedUrl.password)) {
    return fail('url', 'the user and password must be valid percent-encoding (write "%" as %25)');
  }
  // Credentials in two places: ioredis would silently prefer the URL's.
  if ((parsedUrl.username || parsedUrl.password) && (parsed.username !== undefined || parsed.password !== undefined)) {
    return fail(parsed.password !== undefined ? 'password' : 'username', 'not with a url that holds credentials');
  }
  return { kind: 'url', url, ...auth };
}

/** True when `text` survives `decodeURIComponent`, as ioredis decodes a URL's user and password. */
function decodesAsUriComponent(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

const AUTH_FIELDS = ['username', 'password', 'sentinelUsername', 'sentinelPassword', 'tls'] as const;

/** The credentials and TLS given, as `{ auth }`, or nothing when none was. */
function authOf(parsed: ParsedConnection): { auth?: RedisAuth } {
  const auth: RedisAuth = {};
  for (const field of AUTH_FIELDS) {
    const value = parsed[field];
    if (value !== undefined) Object.assign(auth, { [field]: value });
  }
  return Object.keys(auth).length > 0 ? { auth } : {};
}

/** Query parameters a `url` may carry: neither touches how Warden's connections fail. */
const URL_PARAMETERS: ReadonlySet<string> = new Set(['db', 'family']);

/**
 * The database a target's connection selects: the URL's path (else its `db` parameter), an
 * injected client's `db` option, 0 on Sentinel and Cluster (a Cluster has only database 0). A
 * backend that signs what it stores binds it to this, so a record cannot be copied between two
 * databases of one Redis.
 */
export function databaseOf(target: RedisTarget): number {
  let database: unknown;
  if (target.kind === 'url') {
    const url = new URL(target.url);
    database = url.pathname.length > 1 ? url.pathname.slice(1) : url.searchParams.get('db');
  } else if (target.kind === 'client' && !isCluster(target.client)) {
    // A client that is not a real ioredis one (a wrapper, a mock) may carry no options at all.
    database = (target.client as Partial<Redis>).options?.db;
  }
  // As ioredis does: a database that is not a number selects nothing, so 0.
  const number = Number.parseInt(String(database ?? 0), 10);
  return Number.isSafeInteger(number) ? number : 0;
}

/** The topology of a target (an injected client: Cluster, Sentinel-backed, or single). */
export function topologyOf(target: RedisTarget): RedisTopology {
  switch (target.kind) {
    case 'sentinel':
      return 'sentinel';
    case 'cluster':
      return 'cluster';
    case 'url':
      return 'single';
    case 'client': {
      if (isCluster(target.client)) return 'cluster';
      const options = (target.client as Redis).options as { sentinels?: unknown[] } | undefined;
      return options?.sentinels?.length ? 'sentinel' : 'single';
    }
  }
}
