import {
  type ApprovalFilter,
  type ApprovalRecord,
  type ApprovalStore,
  ConflictError,
  InvalidInputError,
  monotonicClock,
  parseTtl,
} from '@warden/core';

/** Configuration of {@link createMemoryApprovalStore}: the same hold and retention as the Redis store. */
export interface MemoryApprovalStoreConfig {
  /**
   * How long an approved request is held awaiting execution, then dropped (it then executes
   * nothing: the workflow answers `ApprovalNotFoundError`), as `"1h"` or milliseconds, at most
   * 30 days. @default "1h"
   */
  holdApprovedFor?: string | number;
  /**
   * How long a rejected, expired or cancelled record is kept from the moment it was decided (or
   * expired), as `"30d"` or milliseconds, or `null` to keep it forever. @default "30d"
   */
  retainDecidedFor?: string | number | null;
  /**
   * The store's clock for holds and retention, in milliseconds. The default is monotonic, as
   * Redis times its keys: a wall clock stepped back must not hold an approval past its hold.
   * @default performance.now
   */
  now?: () => number;
}

const MAX_RETENTION_MS = 10 * 365 * 86_400_000;
/** Creates between two sweeps of records whose hold or retention is over. */
const SWEEP_EVERY = 1024;

interface StoredRecord {
  record: ApprovalRecord;
  /** Approved records: when the hold ends. Others decided: when retention ends. */
  dropAt?: number;
}

/**
 * Creates an in-process {@link ApprovalStore}. Records are stored as structured clones, so a
 * caller mutating a record it read changes nothing stored. As in `@warden/approvals-redis`, an
 * approved record is held awaiting execution for `holdApprovedFor` and then dropped (an approval
 * given long ago executes nothing), and another decided record is kept for `retainDecidedFor`
 * from its decision; pending records are never dropped.
 *
 * @throws `InvalidInputError` for a setting that is not a valid duration, or an unknown one.
 */
export function createMemoryApprovalStore(config: MemoryApprovalStoreConfig = {}): ApprovalStore {
  const { holdMs, retainMs, now } = parseConfig(config);
  const records = new Map<string, StoredRecord>();
  let createsSinceSweep = 0;

  const store = (record: ApprovalRecord): StoredRecord => {
    const stored: StoredRecord = { record: structuredClone(record) };
    if (record.status === 'approved') stored.dropAt = now() + holdMs;
    // Retention starts at the decision, whichever call made it: started at a later read, a
    // rejection (or an expiry by a direct read) nobody read again was kept for ever, and a flood
    // of rejected requests stayed in memory until someone listed them.
    else if (record.status !== 'pending' && retainMs !== null) stored.dropAt = now() + retainMs;
    return stored;
  };
  /** The stored record, unless its hold or retention is over (then it is dropped). Fails closed on a broken clock. */
  const live = (id: string): StoredRecord | undefined => {
    const stored = records.get(id);
    if (stored === undefined || isOver(stored, now())) {
      records.delete(id);
      return undefined;
    }
    return stored;
  };
  const sweep = () => {
    const time = now();
    for (const [id, stored] of records) if (isOver(stored, time)) records.delete(id);
  };

  return {
    specificationVersion: 'approval-store-v1',
    providerId: 'memory',
    async create(record) {
      if (live(record.id)) throw new ConflictError({ message: `Approval request "${record.id}" already exists` });
      if (++createsSinceSweep >= SWEEP_EVERY) {
        createsSinceSweep = 0;
        sweep();
      }
      records.set(record.id, store(record));
    },
    async get(id) {
      const stored = live(id);
      return stored === undefined ? undefined : structuredClone(stored.record);
    },
    async compareAndSet(id, expectedVersion, next) {
      const current = live(id);
      if (
        !current ||
        next.id !== id ||
        current.record.version !== expectedVersion ||
        next.version !== expectedVersion + 1
      ) {
        return false;
      }
      records.set(id, store(next));
      return true;
    },
    async listPending(filter: ApprovalFilter = {}) {
      // A filter field given is a filter, '' included (as the Redis store reads it): an empty
      // requester read as "no filter" showed a caller everyone's requests.
      return [...records.values()]
        .map((stored) => stored.record)
        .filter((record) => record.status === 'pending')
        .filter((record) => filter.tier === undefined || record.tier === filter.tier)
        .filter((record) => filter.requester === undefined || record.requester === filter.requester)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((record) => structuredClone(record));
    },
  };
}

/** True when the record's hold or retention is over, or the clock reads no finite time (fail closed for approvals). */
function isOver(stored: StoredRecord, time: number): boolean {
  if (stored.dropAt === undefined) return false;
  return !(time < stored.dropAt);
}

function parseConfig(config: MemoryApprovalStoreConfig): {
  holdMs: number;
  retainMs: number | null;
  now: () => number;
} {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidInputError({
      message: 'Memory approval store config must be an object',
      issues: [{ path: '', message: 'must be an object' }],
    });
  }
  const known = new Set(['holdApprovedFor', 'retainDecidedFor', 'now']);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new InvalidInputError({
        message: `Memory approval store config has an unknown setting "${key}"`,
        issues: [{ path: key, message: 'unknown setting' }],
      });
    }
  }
  // Holds are durations: on the wall clock, one stepped back an hour held approvals an hour longer.
  const { holdApprovedFor = '1h', retainDecidedFor = '30d', now = monotonicClock } = config;
  if (typeof now !== 'function') {
    throw new InvalidInputError({
      message: 'Memory approval store config: now must be a function',
      issues: [{ path: 'now', message: 'must be a function returning milliseconds' }],
    });
  }
  return {
    holdMs: parseSetting('holdApprovedFor', () => parseTtl(holdApprovedFor)),
    retainMs:
      retainDecidedFor === null
        ? null
        : parseSetting('retainDecidedFor', () => parseTtl(retainDecidedFor, MAX_RETENTION_MS)),
    now,
  };
}

/** Runs a core duration parser, naming the setting at fault in its error. */
function parseSetting(path: string, parse: () => number): number {
  try {
    return parse();
  } catch (error) {
    throw new InvalidInputError({
      message: `Memory approval store config: ${path} ${(error as Error).message}`,
      issues: [{ path, message: 'must be a duration like "1h" or positive milliseconds' }],
      cause: error,
    });
  }
}
