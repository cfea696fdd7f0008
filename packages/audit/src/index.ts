/**
 * `@warden/audit`: `AuditSink` as an RFC 6962 Merkle log with signed C2SP checkpoints,
 * inclusion and consistency proofs, and an offline verifier.
 *
 * @packageDocumentation
 */

export { type AuditCorruption, AuditLogCorruptedError, AuditSignatureError } from './errors.js';
export { emptyRootHash, hashChildren, hashLeaf } from './merkle/hash.js';
export { verifyConsistency, verifyInclusion } from './merkle/proof.js';
export { MerkleTree } from './merkle/tree.js';
export {
  createFileAuditStorage,
  type FileAuditStorage,
  type FileAuditStorageConfig,
  type FileAuditStorageRecovery,
} from './storage/file-storage.js';
export { createMemoryAuditStorage, type MemoryAuditStorageConfig } from './storage/memory-storage.js';
export type { AuditStorage } from './storage/port.js';
