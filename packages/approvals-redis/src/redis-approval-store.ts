import {
  APPROVAL_TIERS,
  type ApprovalFilter,
  type ApprovalRecord,
  type ApprovalStore,
  type ApprovalTier,
  BackendUnavailableError,
  ConflictError,
} from '@warden/core';
import type { Redis } from 'ioredis';
import { compareAndSetScript, createRecordScript, readRecordScript } from './redis-approval-store-scripts.js';
import { createLazyConnection } from './redis-connection.js';
import { type RedisApprovalStoreSettings, resolveRedisStoreSettings } from './redis-settings.js';

/** The Redis store: the port plus the key layout, for operators. */
export interface RedisApprovalStore extends ApprovalStore {
  /** The prefix every key of this store starts with. */
  readonly prefix: string;
  /** Closes the connection the store opened itself (an injected client stays open). */
  close(): Promise<void>;
}

/**
 * Creates a durable {@link ApprovalStore} on Redis. Each record is a hash; pending records are
 * indexed in sorted sets (all, by tier, by requester) scored by creation time, so listing never
 * scans decided records. `create` and `compareAndSet` are Lua scripts, atomic with their index
 * updates, so concurrent workflows in any number of processes never both win a transition.
 * With Redis's append-only file on (`appendfsync always`), every acknowledged write survives a
 * Redis restart. No I/O happens until the first call.
 *
 * @example
 * const store = createRedisApprovalStore({ url: 'redis://localhost:6379', prefix: 'myapp:approvals:' });
 * const workflow = createApprovalWorkflow({ store }); // from @warden/approvals
 * @throws `InvalidInputError` for invalid settings, naming the field.
 */
export function createRedisApprovalStore(settings: RedisApprovalStoreSettings = {}): RedisApprovalStore {
  const resolved = resolveRedisStoreSettings(settings);
  const connection = createLazyConnection(resolved);
  const keys = keyLayout(resolved.prefix);
  const call = async <Result>(what: string, operation: (redis: Redis) => Promise<Result>): Promise<Result> => {
    try {
      return await operation(await connection.get());
    } catch (error) {
      throw new BackendUnavailableError({
        backend: 'redis',
        message: `Redis approval store: ${what} failed`,
        cause: error,
      });
    }
  };

  return {
    specificationVersion: 'approval-store-v1',
    providerId: 'redis',
    prefix: resolved.prefix,
    async create(record) {
      const created = await call('create', (redis) =>
        createRecordScript.run(
          redis,
          [keys.record(record.id), keys.pending, keys.byRequester(record.requester), keys.byTier(record.tier)],
          [record.id, JSON.stringify(record), record.version, record.status, record.tier, Date.parse(record.createdAt)],
        ),
      );
      if (created !== 1) throw new ConflictError({ message: `Approval request "${record.id}" already exists` });
    },
    async get(id) {
      const data = await call('get', (redis) =>
        readRecordScript.run(redis, [keys.record(id)], [resolved.retainDecidedMs]),
      );
      return typeof data === 'string' ? decodeRecord(data) : undefined;
    },
    async compareAndSet(id, expectedVersion, next) {
      if (next.id !== id || next.version !== expectedVersion + 1) return false;
      const written = await call('compare-and-set', (redis) =>
        compareAndSetScript.run(
          redis,
          [keys.record(id), keys.pending, keys.byRequester(next.requester), ...APPROVAL_TIERS.map(keys.byTier)],
          [
            id,
            expectedVersion,
            next.version,
            JSON.stringify(next),
            next.status,
            next.tier,
            Date.parse(next.createdAt),
            ...APPROVAL_TIERS,
          ],
        ),
      );
      return written === 1;
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
        if (ids.length === 0) return [];
        const pipeline = redis.pipeline();
        for (const id of ids) pipeline.hget(keys.record(id), 'data');
        return ((await pipeline.exec()) ?? []).map(([error, data]) => {
          if (error) throw error;
          return typeof data === 'string' ? decodeRecord(data) : undefined;
        });
      });
      return records
        .filter((record): record is ApprovalRecord => record !== undefined && record.status === 'pending')
        .filter((record) => !filter.tier || record.tier === filter.tier)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    close: () => connection.close(),
  };
}

function keyLayout(prefix: string) {
  return {
    pending: `${prefix}pending`,
    record: (id: string) => `${prefix}request:${id}`,
    byTier: (tier: ApprovalTier) => `${prefix}pending:tier:${tier}`,
    // Requester names may hold any printable character; encoding keeps one name from reaching another's key.
    byRequester: (requester: string) => `${prefix}pending:requester:${encodeURIComponent(requester)}`,
  };
}

function decodeRecord(data: string): ApprovalRecord {
  const record = JSON.parse(data) as ApprovalRecord;
  if (typeof record?.id !== 'string' || typeof record.version !== 'number') {
    throw new BackendUnavailableError({ backend: 'redis', message: 'Redis approval store holds a malformed record' });
  }
  return record;
}
