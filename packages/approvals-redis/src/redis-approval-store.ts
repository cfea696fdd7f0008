import {
  APPROVAL_TIERS,
  type ApprovalFilter,
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTier,
  BackendUnavailableError,
  ConflictError,
  QuotaExceededError,
} from '@warden/core';
import { createLazyRedisConnection, hashTaggedKey, type RedisClient, redactRedisError } from '@warden/redis-client';
import { decodeRecord } from './redis-approval-record.js';
import {
  compareAndSetScript,
  createRecordScript,
  indexAddScript,
  indexAdmitScript,
  indexRemoveScript,
  readRecordScript,
} from './redis-approval-store-scripts.js';
import { parseRedisApprovalStoreConfig, type RedisApprovalStoreConfig } from './redis-config.js';
import { createReplicatedWrite } from './redis-replicated-write.js';

/** The Redis store: the port plus the key layout, for operators. */
export interface RedisApprovalStore extends ApprovalStore {
  /** The prefix every key of this store starts with. */
  readonly keyPrefix: string;
  /** Closes the connection the store opened itself (an injected client stays open). */
  close(): Promise<void>;
}

/**
 * Creates a durable {@link ApprovalStore} on Redis: a single Redis, Sentinel or Cluster. Each
 * record is a hash under its own hash tag, so requests spread over a Cluster; pending records are
 * indexed in sorted sets (all, by tier, by requester) scored by creation time, so listing never
 * scans decided records. `create` and `compareAndSet` are atomic Lua scripts on the record, so
 * concurrent workflows in any number of processes never both win a transition. An approved
 * record is held awaiting execution for `holdApprovedFor` (default one hour), then deleted, so a
 * late execution finds no approval. With Redis's
 * append-only file on (`appendfsync always`), every acknowledged write survives a Redis restart.
 * No I/O happens until the first call.
 *
 * @example
 * const store = createRedisApprovalStore({ url: 'redis://localhost:6379', keyPrefix: 'myapp:approvals:' });
 * const workflow = createApprovalWorkflow({ store }); // from @warden/approvals
 * @throws `InvalidInputError` for an invalid config, naming the field.
 */
export function createRedisApprovalStore(config: RedisApprovalStoreConfig = {}): RedisApprovalStore {
  const parsed = parseRedisApprovalStoreConfig(config);
  const connection = createLazyRedisConnection(parsed.target, parsed.commandTimeoutMs);
  const keys = keyLayout(parsed.keyPrefix);
  const write = createReplicatedWrite(parsed.minReplicaAcks, parsed.commandTimeoutMs);
  const call = async <Result>(what: string, operation: (redis: RedisClient) => Promise<Result>): Promise<Result> => {
    try {
      return await operation(await connection.get());
    } catch (error) {
      // A refusal under the pending bounds is an answer, not a failure of Redis.
      if (error instanceof BackendUnavailableError || error instanceof QuotaExceededError) throw error;
      throw new BackendUnavailableError({
        backend: 'redis',
        message: `Redis approval store: ${what} failed`,
        cause: redactRedisError(error),
      });
    }
  };
  const pendingIndexes = (record: ApprovalRecord): string[] => [
    keys.pending,
    keys.byRequester(record.requester),
    keys.byTier(record.tier),
  ];
  const unindex = (redis: RedisClient, record: ApprovalRecord): Promise<unknown> =>
    indexRemoveScript.run(
      redis,
      [keys.pending, keys.byRequester(record.requester), ...APPROVAL_TIERS.map(keys.byTier)],
      [record.id],
    );

  /**
   * Indexes a new pending record if the bounds leave room (in the same script that counts), before
   * its record is written, as every index entry is; throws `QuotaExceededError` otherwise.
   */
  const admit = async (redis: RedisClient, record: ApprovalRecord): Promise<void> => {
    const reply = await indexAdmitScript.run(redis, pendingIndexes(record), [
      record.id,
      Date.parse(record.createdAt),
      parsed.maxPending,
      parsed.maxPendingPerRequester,
    ]);
    if (reply === 1 || reply === 2) return;
    if (reply === 0 || reply === -1) {
      throw new QuotaExceededError({
        message:
          reply === 0
            ? `Redis approval store: ${parsed.maxPending} requests are pending in all; nothing was filed`
            : `Redis approval store: ${parsed.maxPendingPerRequester} requests from this requester are pending; nothing was filed`,
      });
    }
    throw new BackendUnavailableError({
      backend: 'redis',
      message: 'Redis approval store: the admission script answered something else than a decision',
    });
  };

  return {
    specificationVersion: 'approval-store-v1',
    providerId: 'redis',
    keyPrefix: parsed.keyPrefix,
    async create(record) {
      const created = await call('create', async (redis) => {
        if (record.status === 'pending') await admit(redis, record);
        return write(
          redis,
          'create',
          createRecordScript,
          [keys.record(record.id)],
          [
            JSON.stringify(record),
            record.version,
            record.status,
            record.tier,
            parsed.holdApprovedMs,
            parsed.retainDecidedMs,
          ],
          (created) => created === 1,
        );
      });
      if (created !== 1) throw new ConflictError({ message: `Approval request "${record.id}" already exists` });
    },
    async get(id) {
      const reply = await call('get', (redis) =>
        readRecordScript.run(redis, [keys.record(id)], [parsed.retainDecidedMs]),
      );
      if (!Array.isArray(reply)) return undefined;
      const [data, status, version] = reply as unknown[];
      return decodeRecord({ data, status, version }, id);
    },
    async compareAndSet(id, expectedVersion, next) {
      if (next.id !== id || next.version !== expectedVersion + 1) return false;
      return call('compare-and-set', async (redis) => {
        if (next.status === 'pending') {
          await indexAddScript.run(redis, pendingIndexes(next), [id, Date.parse(next.createdAt)]);
        }
        const reply = (await write(
          redis,
          'compare-and-set',
          compareAndSetScript,
          [keys.record(id)],
          [
            expectedVersion,
            next.version,
            JSON.stringify(next),
            next.status,
            next.tier,
            parsed.holdApprovedMs,
            parsed.retainDecidedMs,
          ],
          (written) => Array.isArray(written) && written[0] === 1,
        )) as [number, string?];
        if (reply[0] !== 1) return false;
        const previousTier = reply[1];
        if (next.status !== 'pending') await unindex(redis, next);
        else if (previousTier && previousTier !== next.tier && isTier(previousTier)) {
          await indexRemoveScript.run(redis, [keys.byTier(previousTier)], [id]);
        }
        return true;
      });
    },
    async listPending(filter: ApprovalFilter = {}) {
      const index =
        filter.requester !== undefined
          ? keys.byRequester(filter.requester)
          : filter.tier
            ? keys.byTier(filter.tier)
            : keys.pending;
      const records = await call('list pending', async (redis) => {
        const ids = await redis.zrange(index, '0', '-1');
        const found = await Promise.all(ids.map((id) => redis.hmget(keys.record(id), 'data', 'status', 'version')));
        const decoded = found.map(([data, status, version], at) =>
          typeof data === 'string' ? decodeRecord({ data, status, version }, ids[at] ?? '') : undefined,
        );
        // Left over by a crash between a decision and its unindexing: decided is final, so drop it.
        const decided = decoded.filter((record) => record !== undefined && record.status !== 'pending');
        await Promise.all(decided.map((record) => record && unindex(redis, record)));
        return decoded;
      });
      return records
        .filter((record): record is ApprovalRecord => record !== undefined && record.status === 'pending')
        .filter((record) => filter.requester === undefined || record.requester === filter.requester)
        .filter((record) => !filter.tier || record.tier === filter.tier)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    close: () => connection.close(),
  };
}

function isTier(value: string): value is ApprovalTier {
  return (APPROVAL_TIERS as readonly string[]).includes(value);
}

function keyLayout(keyPrefix: string) {
  const index = (suffix: string): string => hashTaggedKey(keyPrefix, 'index', suffix);
  return {
    pending: index(':pending'),
    record: (id: string) => hashTaggedKey(keyPrefix, id, ':request'),
    byTier: (tier: ApprovalTier) => index(`:pending:tier:${tier}`),
    // Requester names may hold any printable character; encoding keeps one name from reaching another's key.
    byRequester: (requester: string) => index(`:pending:requester:${encodeRequester(requester)}`),
  };
}

/**
 * A requester name as a key segment, one per name. `encodeURIComponent` throws on a lone
 * surrogate (a broken key), which failed `create` as if Redis were down and
 * `listPending({ requester })` with an untyped `URIError`; such a half is written `%u` and its
 * four hex digits, which `encodeURIComponent` never writes (`u` is no hex digit). Made U+FFFD
 * instead, two names shared one index, and so one count under `maxPendingPerRequester`.
 */
function encodeRequester(requester: string): string {
  return requester
    .split(/(\p{Cs})/u)
    .map((part, index) =>
      index % 2 === 1 ? `%u${part.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(part),
    )
    .join('');
}
