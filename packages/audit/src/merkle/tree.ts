/**
 * An in-memory RFC 6962 Merkle tree over leaf hashes that keeps every complete subtree, so
 * roots, inclusion proofs and consistency proofs for any earlier size cost O(log² n) hashes.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { emptyRootHash, HASH_SIZE, hashChildren, hashChildrenInto } from './hash.js';

// Hashes per chunk of a level (1 MiB). Even, so the two children of a parent share a chunk.
const CHUNK_HASHES = 32_768;
const CHUNK_BYTES = CHUNK_HASHES * HASH_SIZE;

/**
 * A growable array of 32-byte hashes in chunks of 1 MiB, so a million leaves are 31 allocations.
 * A level never moves what it holds once its first chunk is full: copying a grown buffer touched
 * every page twice, and on a machine where a fresh page costs a fault (13 µs here) that was a
 * tenth of an append's CPU. Until then the one chunk grows by doubling, so a small tree stays
 * small. Nothing is zero-filled: nothing past `length` is ever read.
 */
class HashLevel {
  private readonly chunks: Buffer[] = [Buffer.allocUnsafe(HASH_SIZE * 64)];
  length = 0;

  /** Appends hashes given back to back. */
  pushAll(hashes: Uint8Array): void {
    for (let from = 0; from < hashes.length; ) {
      const { chunk, offset } = this.slot(this.length);
      const bytes = Math.min(hashes.length - from, chunk.length - offset);
      chunk.set(hashes.subarray(from, from + bytes), offset);
      from += bytes;
      this.length += bytes / HASH_SIZE;
    }
  }

  /** Appends the next parent over `children` (of the pair at twice this level's length), hashed in place. */
  pushParentOf(children: HashLevel): void {
    const { chunk, offset } = this.slot(this.length);
    const left = children.chunkAt(2 * this.length);
    hashChildrenInto(left, ((2 * this.length) % CHUNK_HASHES) * HASH_SIZE, chunk, offset);
    this.length += 1;
  }

  at(index: number): Uint8Array {
    const offset = (index % CHUNK_HASHES) * HASH_SIZE;
    return this.chunkAt(index).subarray(offset, offset + HASH_SIZE);
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  private chunkAt(index: number): Buffer {
    return this.chunks[Math.floor(index / CHUNK_HASHES)] as Buffer;
  }

  // Where hash `index` (≤ length) goes, with room for at least one hash there.
  private slot(index: number): { chunk: Buffer; offset: number } {
    const position = Math.floor(index / CHUNK_HASHES);
    const offset = (index % CHUNK_HASHES) * HASH_SIZE;
    let chunk = this.chunks[position];
    if (!chunk) {
      chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.chunks.push(chunk);
    } else if (offset === chunk.length) {
      const grown = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, 2 * chunk.length));
      grown.set(chunk);
      chunk = grown;
      this.chunks[position] = grown;
    }
    return { chunk, offset };
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
