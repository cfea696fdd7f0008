import type { ConnectionOptions } from 'node:tls';
import { InvalidInputError } from '@warden/core';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isCluster, type RedisClient, type RedisTarget, type RedisTlsConfig } from './config.js';
import { reconnectDelay } from './reconnect-delay.js';
import { createSentinelClient, SentinelClient } from './sentinel-client.js';

/**
 * Options every connection Warden opens shares: fail fast, never queue while disconnected, and
 * never resend a command cut off by a lost connection. ioredis resends one once it reconnects,
 * even after the command timed out and its caller was told it failed: a kill switch release
 * reported as "nothing changed" would then be carried out later, unseen.
 *
 * Connecting is bounded by the command timeout too (`connectTimeout`, which ioredis also gives a
 * Sentinel client's connections to the sentinels): with ioredis's default of 10 s, a server that
 * drops the connection attempt or accepts it and never answers the TLS handshake (a black-holed
 * address, a tarpit) held every call that had to connect for 10 s, whatever `commandTimeoutMs` said.
 */
function failFastOptions(commandTimeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    connectTimeout: commandTimeoutMs,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
  };
}

/**
 * Refuses a command timeout that is not a positive whole number of milliseconds. ioredis reads
 * `commandTimeout: 0` (or NaN) as "no timeout" and a negative one as an instant failure: a backend
 * whose schema let 0 through (`z.number()`) would have had commands that wait forever on a server
 * that never answers, the opposite of failing fast.
 */
function checkCommandTimeout(commandTimeoutMs: number): void {
  if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs <= 0) {
    throw new InvalidInputError({
      message: 'commandTimeoutMs must be a positive whole number of milliseconds (ioredis reads 0 as no timeout)',
      issues: [{ path: 'commandTimeoutMs', message: 'must be a positive whole number of milliseconds' }],
    });
  }
}

/**
 * A Cluster node connection that drops reconnects by itself (capped backoff) instead of ending.
 * An ended node connection rejects the commands it had sent as "Connection is closed.", and
 * ioredis's Cluster retries such a command on a fresh connection whatever
 * `autoResendUnfulfilledCommands` says, although the node may already hold it: a rate-limit
 * `consume` reported as failed was counted, and an approval reported as failed was given, once
 * the copy ran. A reconnecting connection drops what it had sent (its caller's command times
 * out), and a command that reaches a node not connected yet is still retried: it was never sent.
 */
const clusterNodeReconnection = { clusterNodeRetryStrategy: reconnectDelay } as const;

/**
 * Opens nothing: builds an ioredis client for a target that is not an injected client. Commands
 * are not queued while disconnected and time out after `commandTimeoutMs`, so a dead server fails
 * a check fast instead of hanging it. Sentinel clients follow a failover to the new master, and
 * never end by themselves in one (see {@link createSentinelClient}).
 */
export function createRedisClient(
  target: Exclude<RedisTarget, { kind: 'client' }>,
  commandTimeoutMs: number,
): RedisClient {
  checkCommandTimeout(commandTimeoutMs);
  const options = failFastOptions(commandTimeoutMs);
  const { username, password, sentinelUsername, sentinelPassword, tls } = target.auth ?? {};
  const credentials: RedisOptions = {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
  const tlsOptions = tlsOptionsOf(tls);
  switch (target.kind) {
    case 'url': {
      // ioredis turns a rediss:// URL into `tls: true`, which leaves certificate checking to
      // NODE_TLS_REJECT_UNAUTHORIZED: set to 0 (a workaround for a proxy, anywhere in the
      // process's environment), it accepted any certificate. Checking is asked for explicitly.
      const urlTls = tlsOptions ?? (target.url.startsWith('rediss://') ? tlsOptionsOf(true) : undefined);
      return new Redis(target.url, { ...options, ...credentials, ...(urlTls ? { tls: urlTls } : {}) });
    }
    case 'sentinel':
      // Not ioredis's own Sentinel client: that one can end for good in a failover.
      return createSentinelClient({
        ...options,
        ...credentials,
        sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
        name: target.masterName,
        sentinelRetryStrategy: reconnectDelay,
        sentinelCommandTimeout: commandTimeoutMs,
        failoverDetector: true,
        ...(sentinelUsername !== undefined ? { sentinelUsername } : {}),
        ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
        ...(tlsOptions ? { tls: tlsOptions, sentinelTLS: tlsOptions, enableTLSForSentinelMode: true } : {}),
      });
    case 'cluster':
      return new Cluster(
        target.nodes.map(({ host, port }) => ({ host, port })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          clusterRetryStrategy: reconnectDelay,
          retryDelayOnFailover: 50,
          retryDelayOnClusterDown: 50,
          ...clusterNodeReconnection,
          redisOptions: {
            connectTimeout: commandTimeoutMs,
            commandTimeout: commandTimeoutMs,
            maxRetriesPerRequest: 1,
            autoResendUnfulfilledCommands: false,
            ...credentials,
            ...(tlsOptions ? { tls: tlsOptions } : {}),
          },
        },
      );
  }
}

/**
 * Node's TLS options for a {@link RedisTlsConfig}; certificates are always checked, explicitly:
 * left unset, `rejectUnauthorized` follows NODE_TLS_REJECT_UNAUTHORIZED.
 */
function tlsOptionsOf(tls: RedisTlsConfig | undefined): ConnectionOptions | undefined {
  if (tls === undefined) return undefined;
  if (tls === true) return { rejectUnauthorized: true };
  return { ...tls, rejectUnauthorized: true };
}

/**
 * A second connection to the same place as `client`, for pub/sub (a subscribed connection can
 * run no other command) or blocking reads such as `XREAD BLOCK` (give a `commandTimeoutMs` longer
 * than the block), with Warden's fail-fast options, no automatic resubscription and no resending
 * of a command cut off by a lost connection (the caller resubscribes or reads again, and re-reads,
 * so it knows when messages may have been missed; a blocking read resent on the new connection
 * would hold up every command behind it).
 */
export function duplicateForSubscriber(client: RedisClient, commandTimeoutMs: number): RedisClient {
  checkCommandTimeout(commandTimeoutMs);
  const options: RedisOptions = { ...failFastOptions(commandTimeoutMs), autoResubscribe: false };
  if (isCluster(client)) {
    // Cluster's duplicate replaces `redisOptions` as a whole: keep the original's (credentials, TLS).
    return client.duplicate(undefined, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      clusterRetryStrategy: reconnectDelay,
      ...clusterNodeReconnection,
      redisOptions: {
        ...client.options.redisOptions,
        connectTimeout: commandTimeoutMs,
        commandTimeout: commandTimeoutMs,
        maxRetriesPerRequest: 1,
        autoResendUnfulfilledCommands: false,
      },
    });
  }
  // ioredis's duplicate() is a plain client: a Sentinel one must stay a SentinelClient.
  if (client instanceof SentinelClient) return new SentinelClient({ ...client.options, ...options });
  return client.duplicate(options);
}

/** A connection opened on first use. */
export interface LazyRedisConnection {
  /** The client, connecting first when needed (an injected client is returned as it is). */
  get(): Promise<RedisClient>;
  /** Closes the connection this module opened; an injected client stays open. */
  close(): Promise<void>;
}

/** Opens its own connection on first use; an injected client is used as it is and never closed. */
export function createLazyRedisConnection(target: RedisTarget, commandTimeoutMs: number): LazyRedisConnection {
  // At creation, not on first use: a wrong timeout is a configuration error, not a failed call.
  checkCommandTimeout(commandTimeoutMs);
  let owned: RedisClient | undefined;
  let connecting: Promise<RedisClient> | undefined;
  const open = async (): Promise<RedisClient> => {
    if (target.kind === 'client') return target.client;
    owned = createRedisClient(target, commandTimeoutMs);
    // Connection errors reach callers as failed commands; without a listener ioredis would also print them.
    owned.on('error', () => {});
    await owned.connect();
    return owned;
  };
  return {
    get() {
      connecting ??= open().catch((error: unknown) => {
        connecting = undefined;
        owned?.disconnect();
        owned = undefined;
        throw error;
      });
      return connecting;
    },
    async close() {
      connecting = undefined;
      const client = owned;
      owned = undefined;
      if (!client) return;
      await client.quit().catch(() => {});
      // A Sentinel client keeps its failover detector's connections to the sentinels until disconnected.
      client.disconnect();
    },
  };
}

/** Commands whose arguments carry a password. */
const SECRET_COMMANDS: ReadonlySet<string> = new Set(['auth', 'hello', 'migrate', 'config', 'acl']);

/** How deep {@link redactRedisError} follows errors nested in errors (a chain longer than this is no error ioredis makes). */
const MAX_NESTED_ERRORS = 32;

/**
 * Removes what an ioredis error carries of a password: a failed `AUTH` (a wrong password, or one
 * the server does not need) rejects with the command attached, arguments and all, for any log or
 * `inspect` to print. Replaces those arguments with `'[redacted]'` in place and returns `error`.
 * Errors nested in it are redacted too: a Cluster reports a refused password as "Failed to refresh
 * slots cache." with the node's reply (and its `AUTH` arguments) as `lastNodeError`, and other
 * errors carry theirs as `cause` or `errors`. Every Warden adapter passes a Redis error through
 * this before it reaches `onError` or a `cause`.
 */
export function redactRedisError<T>(error: T): T {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < MAX_NESTED_ERRORS) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    redactCommand(current as { command?: unknown });
    const { lastNodeError, cause, errors } = current as { lastNodeError?: unknown; cause?: unknown; errors?: unknown };
    pending.push(lastNodeError, cause, ...(Array.isArray(errors) ? errors : []));
  }
  return error;
}

/** Blanks the arguments of one error's attached command when they carry a password. */
function redactCommand(error: { command?: unknown }): void {
  const command = error.command as { name?: unknown; args?: unknown } | undefined;
  if (typeof command !== 'object' || command === null) return;
  if (SECRET_COMMANDS.has(String(command.name).toLowerCase()) && Array.isArray(command.args)) {
    command.args = command.args.map(() => '[redacted]');
  }
}
