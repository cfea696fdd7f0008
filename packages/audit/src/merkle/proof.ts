/**
 * Verification of RFC 6962 inclusion and consistency proofs, following the algorithms of
 * RFC 9162 sections 2.1.3.2 and 2.1.4.2. Both return `false` on any malformed input rather
 * than throwing: a proof is untrusted data.
 *
 * @module
 */
import { equalHashes, HASH_SIZE, hashChildren } from './hash.js';

const isOdd = (value: number): boolean => value % 2 === 1;
const half = (value: number): number => Math.floor(value / 2);

function validHashes(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((hash) => hash instanceof Uint8Array && hash.length === HASH_SIZE);
}

function validSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** True when `proof` shows that the leaf with `leafHash` sits at `index` in the tree of `size` leaves with `root`. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!validSize(index) || !validSize(size) || index >= size) return false;
  if (!validHashes([leafHash, root, ...proof])) return false;
  let fn = index;
  let sn = size - 1;
  let hash = leafHash;
  for (const sibling of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      hash = hashChildren(sibling, hash);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      hash = hashChildren(hash, sibling);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(hash, root);
}

/** True when `proof` shows that the tree of `oldSize` leaves with `oldRoot` is a prefix of the tree of `newSize` leaves with `newRoot`. */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  // As in transparency-dev/merkle, 0 < oldSize ≤ newSize: a proof from the empty tree proves
  // nothing (every tree extends it), so callers treat size 0 themselves.
  if (!validSize(oldSize) || !validSize(newSize) || oldSize === 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equalHashes(oldRoot, newRoot);
  if (!validHashes([oldRoot, newRoot, ...proof]) || proof.length === 0) return false;
  // When the old tree is a complete subtree, its root is the proof's implicit first node.
  const path = isExactPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path as [Uint8Array, ...Uint8Array[]];
  let oldHash = first;
  let newHash = first;
  for (const node of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      oldHash = hashChildren(node, oldHash);
      newHash = hashChildren(node, newHash);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      newHash = hashChildren(newHash, node);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(oldHash, oldRoot) && equalHashes(newHash, newRoot);
}

// Exact for every safe integer: Math.log2 rounds (log2(2^50 + 1) is 50), and bitwise operators
// stop at 32 bits. Halving a positive integer down to 1 is exact in floating point.
function isExactPowerOfTwo(value: number): boolean {
  let rest = value;
  while (rest > 1 && rest % 2 === 0) rest /= 2;
  return rest === 1;
}
