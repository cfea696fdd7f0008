/**
 * The frontier of an RFC 6962 Merkle tree: the roots of its complete subtrees, at most one per
 * level. It gives the root of the tree as it grows while holding O(log n) hashes, which is what
 * a verification that streams the log needs (the full {@link MerkleTree} holds every subtree).
 *
 * @module
 */
import { emptyRootHash, hashChildren } from './hash.js';

/** Appends leaf hashes and answers the root of the tree of every leaf appended so far. */
export class MerkleFrontier {
  // Roots of the complete subtrees, largest (leftmost) first, and how many leaves each covers.
  private readonly hashes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private leaves = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.leaves;
  }

  /** Appends one leaf hash, merging every pair of equal complete subtrees it closes. */
  append(leafHash: Uint8Array): void {
    let hash = leafHash;
    let size = 1;
    while (this.sizes.at(-1) === size) {
      this.sizes.pop();
      hash = hashChildren(this.hashes.pop() as Uint8Array, hash);
      size *= 2;
    }
    this.hashes.push(hash);
    this.sizes.push(size);
    this.leaves += 1;
  }

  /** RFC 6962's MTH of the leaves appended so far: the complete subtrees folded right to left. */
  root(): Uint8Array {
    let root = this.hashes.at(-1);
    if (!root) return emptyRootHash();
    for (let index = this.hashes.length - 2; index >= 0; index -= 1) {
      root = hashChildren(this.hashes[index] as Uint8Array, root);
    }
    return root;
  }
}
