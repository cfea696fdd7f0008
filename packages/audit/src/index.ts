/**
 * `@warden/audit`: `AuditSink` as an RFC 6962 Merkle log with signed C2SP checkpoints,
 * inclusion and consistency proofs, and an offline verifier.
 *
 * @packageDocumentation
 */
export { emptyRootHash, hashChildren, hashLeaf } from './merkle/hash.js';
export { verifyConsistency, verifyInclusion } from './merkle/proof.js';
export { MerkleTree } from './merkle/tree.js';
