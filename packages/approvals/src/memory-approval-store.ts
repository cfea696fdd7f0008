import { type ApprovalFilter, type ApprovalRecord, type ApprovalStore, ConflictError } from '@warden/core';

/**
 * Creates an in-process {@link ApprovalStore}. Records are stored as structured clones, so a
 * caller mutating a record it read changes nothing stored.
 */
export function createMemoryApprovalStore(): ApprovalStore {
  const records = new Map<string, ApprovalRecord>();
  return {
    specificationVersion: 'approval-store-v1',
    providerId: 'memory',
    async create(record) {
      if (records.has(record.id))
        throw new ConflictError({ message: `Approval request "${record.id}" already exists` });
      records.set(record.id, structuredClone(record));
    },
    async get(id) {
      const record = records.get(id);
      return record ? structuredClone(record) : undefined;
    },
    async compareAndSet(id, expectedVersion, next) {
      const current = records.get(id);
      if (!current || next.id !== id || current.version !== expectedVersion || next.version !== expectedVersion + 1) {
        return false;
      }
      records.set(id, structuredClone(next));
      return true;
    },
    async listPending(filter: ApprovalFilter = {}) {
      return [...records.values()]
        .filter((record) => record.status === 'pending')
        .filter((record) => !filter.tier || record.tier === filter.tier)
        .filter((record) => !filter.requester || record.requester === filter.requester)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map((record) => structuredClone(record));
    },
  };
}
