/**
 * An in-memory RFC 6962 Merkle tree over leaf hashes that keeps every complete subtree, so
 * roots, inclusion proofs and consistency proofs for any earlier size cost O(log² n) hashes.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { emptyRootHash, HASH_SIZE, hashChildren, hashChildrenInto } from './hash.js';

/**
 * A growable array of 32-byte hashes in one buffer, so a million leaves are one allocation. It
 * grows without zero-filling (nothing past `length` is ever read) and copies through
 * `Uint8Array.prototype.set`, which costs less per call than `Buffer#copy`'s argument handling.
 */
class HashLevel {
  bytes: Buffer = Buffer.allocUnsafe(HASH_SIZE * 64);
  length = 0;

  /** Appends hashes given back to back. */
  pushAll(hashes: Uint8Array): void {
    this.reserve(hashes.length / HASH_SIZE);
    this.bytes.set(hashes, this.length * HASH_SIZE);
    this.length += hashes.length / HASH_SIZE;
  }

  /** Appends the next parent over `children` (of the pair at twice this level's length), hashed in place. */
  pushParentOf(children: HashLevel): void {
    this.reserve(1);
    hashChildrenInto(children.bytes, 2 * this.length * HASH_SIZE, this.bytes, this.length * HASH_SIZE);
    this.length += 1;
  }

  private reserve(count: number): void {
    const needed = (this.length + count) * HASH_SIZE;
    if (needed > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length * HASH_SIZE));
      this.bytes = grown;
    }
  }

  at(index: number): Uint8Array {
    return this.bytes.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }
}

/** Largest power of two strictly smaller than `n` (n ≥ 2), RFC 6962's split point `k`. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * The Merkle tree of an append-only log. Leaves are added as hashes (see `hashLeaf`); level
 * `k` stores the hash of every complete, aligned subtree of `2^k` leaves.
 */
export class MerkleTree {
  private readonly levels: HashLevel[] = [new HashLevel()];

  /** Number of leaves. */
  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** Appends one leaf hash and completes every subtree it closes. */
  append(leafHash: Uint8Array): void {
    this.appendLeaves(leafHash);
  }

  /**
   * Appends leaf hashes given back to back (32 bytes each, as a batch's are encoded) and
   * completes every subtree they close, level by level: one copy per batch, not per leaf.
   */
  appendLeaves(leafHashes: Uint8Array): void {
    if (leafHashes.length % HASH_SIZE !== 0) throw new RangeError(`leaf hashes must be ${HASH_SIZE} bytes each`);
    let children = this.levelAt(0);
    children.pushAll(leafHashes);
    for (let level = 1; children.length >= 2; level += 1) {
      const parents = this.levelAt(level);
      const complete = Math.floor(children.length / 2);
      // No new parent here means none above either.
      if (parents.length === complete) return;
      while (parents.length < complete) parents.pushParentOf(children);
      children = parents;
    }
  }

  /** Forgets every leaf from `size` on (used when recovery drops a torn tail). */
  truncate(size: number): void {
    this.levels.forEach((nodes, level) => {
      nodes.truncate(Math.floor(size / 2 ** level));
    });
  }

  /** The hash of leaf `index`. */
  leafHash(index: number): Uint8Array {
    this.checkRange(index, index + 1);
    return Uint8Array.from(this.levelAt(0).at(index));
  }

  /** The root hash of the tree as it was when it held `size` leaves (default: now). */
  root(size: number = this.size): Uint8Array {
    this.checkRange(0, size);
    return size === 0 ? emptyRootHash() : Uint8Array.from(this.rangeHash(0, size));
  }

  /** RFC 6962 section 2.1.1 audit path for leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.checkRange(0, size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
    }
    const proof: Uint8Array[] = [];
    this.path(index, 0, size, proof);
    return proof.reverse().map((hash) => Uint8Array.from(hash));
  }

  /** RFC 6962 section 2.1.2 consistency proof from the tree of `oldSize` leaves to `newSize`. */
  consistencyProof(oldSize: number, newSize: number = this.size): Uint8Array[] {
    this.checkRange(0, newSize);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
      throw new RangeError(`cannot prove consistency from ${oldSize} to ${newSize} leaves`);
    }
    if (oldSize === 0 || oldSize === newSize) return [];
    const proof: Uint8Array[] = [];
    this.subproof(oldSize, 0, newSize, true, proof);
    return proof.reverse().map((hash) => Uint8Array.from(hash));
  }

  // Collects the path top-down into `proof` (reversed by the caller, so the leaf's sibling comes first).
  private path(index: number, start: number, end: number, proof: Uint8Array[]): void {
    const n = end - start;
    if (n === 1) return;
    const k = splitPoint(n);
    if (index < k) {
      proof.push(this.rangeHash(start + k, end));
      this.path(index, start, start + k, proof);
    } else {
      proof.push(this.rangeHash(start, start + k));
      this.path(index - k, start + k, end, proof);
    }
  }

  private subproof(m: number, start: number, end: number, complete: boolean, proof: Uint8Array[]): void {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(this.rangeHash(start, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(this.rangeHash(start + k, end));
      this.subproof(m, start, start + k, complete, proof);
    } else {
      proof.push(this.rangeHash(start, start + k));
      this.subproof(m - k, start + k, end, false, proof);
    }
  }

  // MTH(D[start:end]); every range RFC 6962 asks for starts on a multiple of its left part's size.
  private rangeHash(start: number, end: number): Uint8Array {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) {
      const level = Math.log2(n);
      const stored = this.levels[level];
      if (stored && start / n < stored.length) return stored.at(start / n);
    }
    const k = splitPoint(n);
    return hashChildren(this.rangeHash(start, start + k), this.rangeHash(start + k, end));
  }

  private levelAt(level: number): HashLevel {
    let nodes = this.levels[level];
    if (!nodes) {
      nodes = new HashLevel();
      this.levels[level] = nodes;
    }
    return nodes;
  }

  private checkRange(start: number, end: number): void {
    if (!Number.isSafeInteger(end) || start < 0 || end > this.size) {
      throw new RangeError(`tree size ${end} is outside a tree of ${this.size} leaves`);
    }
  }
}
