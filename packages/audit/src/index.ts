/**
 * `@warden/audit`: `AuditSink` as an RFC 6962 Merkle log with signed C2SP checkpoints,
 * inclusion and consistency proofs, and an offline verifier.
 *
 * @packageDocumentation
 */
export {
  type AuditCorruption,
  AuditLogCorruptedError,
  AuditLogTamperedError,
  type AuditProblem,
  AuditSignatureError,
} from './errors.js';
export {
  type AuditEntry,
  type AuditFailure,
  type AuditLog,
  type AuditLogConfig,
  createAuditLog,
  type SignedCheckpoint,
} from './log/index.js';
export type { AuditTelemetryConfig } from './log/telemetry.js';
export { emptyRootHash, hashChildren, hashLeaf } from './merkle/hash.js';
export { verifyConsistency, verifyInclusion } from './merkle/proof.js';
export { MerkleTree } from './merkle/tree.js';
export { type Checkpoint, formatCheckpoint, parseCheckpoint } from './note/checkpoint.js';
export { verifyCosignature } from './note/cosignature.js';
export {
  type Ed25519PrivateKeyInput,
  formatVerifierKey,
  parseVerifierKey,
  type VerifierKey,
} from './note/keys.js';
export { verifyNote } from './note/signed-note.js';
export {
  type AuditWitness,
  type CosignRequest,
  createEd25519Witness,
  type Ed25519Witness,
  type Ed25519WitnessConfig,
} from './note/witness.js';
export {
  createFileAuditStorage,
  type FileAuditStorage,
  type FileAuditStorageConfig,
  type FileAuditStorageRecovery,
} from './storage/file-storage.js';
export { createMemoryAuditStorage, type MemoryAuditStorageConfig } from './storage/memory-storage.js';
export type { AuditStorage } from './storage/port.js';
export { type AuditBundle, type ExportAuditBundleConfig, exportAuditBundle } from './verify/bundle.js';
export {
  type AuditVerificationReport,
  assertAuditLogVerified,
  type VerifyAuditLogConfig,
  verifyAuditLog,
} from './verify/verifier.js';
