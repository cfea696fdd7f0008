import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafInputs, nodeHashes, rootHashes, singleHashes } from './fixtures/rfc6962-reference.ts';
import { emptyRootHash, hashChildren, hashLeaf } from './hash.ts';
import { verifyConsistency, verifyInclusion } from './proof.ts';
import { MerkleTree } from './tree.ts';

interface InclusionProbe {
  file: string;
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyProbe {
  file: string;
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

// transparency-dev/merkle testdata/ (see the "source" field of the file).
const probes = JSON.parse(
  readFileSync(new URL('./fixtures/transparency-dev-probes.json', import.meta.url), 'utf8'),
) as {
  inclusion: InclusionProbe[];
  consistency: ConsistencyProbe[];
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const b64 = (value: string | null): Uint8Array => Buffer.from(value ?? '', 'base64');
const fromHex = (value: string): Uint8Array => Buffer.from(value, 'hex');

function referenceTree(size: number): MerkleTree {
  const tree = new MerkleTree();
  for (const input of leafInputs.slice(0, size)) tree.append(hashLeaf(fromHex(input)));
  return tree;
}

describe('RFC 6962 hashing (transparency-dev/merkle rfc6962_test.go)', () => {
  it('hashes the empty tree, an empty leaf, a leaf and a node as the reference does', () => {
    expect(hex(emptyRootHash())).toBe(rootHashes[0]);
    expect(hex(hashLeaf(new Uint8Array()))).toBe(singleHashes.emptyLeaf);
    expect(hex(hashLeaf(Buffer.from('L123456')))).toBe(singleHashes.leafL123456);
    expect(hex(hashChildren(Buffer.from('N123'), Buffer.from('N456')))).toBe(singleHashes.nodeN123N456);
  });

  it('builds every root of sizes 0 to 8 and every complete subtree of the reference leaves', () => {
    const tree = referenceTree(8);
    rootHashes.forEach((root, size) => {
      expect(hex(tree.root(size))).toBe(root);
      expect(hex(referenceTree(size).root())).toBe(root);
    });
    nodeHashes.forEach((level, height) => {
      level.forEach((hash, index) => {
        const width = 2 ** height;
        const subtree = new MerkleTree();
        for (const input of leafInputs.slice(index * width, (index + 1) * width))
          subtree.append(hashLeaf(fromHex(input)));
        expect(hex(subtree.root())).toBe(hash);
      });
    });
    expect(hex(tree.leafHash(7))).toBe(nodeHashes[0]?.[7]);
  });
});

describe('inclusion proofs (transparency-dev/merkle testdata/inclusion)', () => {
  it.each(probes.inclusion.map((probe) => [probe.file, probe] as const))('%s', (_file, probe) => {
    const ok = verifyInclusion(
      probe.leafIdx,
      probe.treeSize,
      b64(probe.leafHash),
      (probe.proof ?? []).map(b64),
      b64(probe.root),
    );
    expect(ok).toBe(!probe.wantErr);
  });

  it('generates exactly the happy-path proofs of the reference tree', () => {
    const happy = probes.inclusion.filter((probe) => probe.desc === 'happy path' && probe.treeSize <= 8);
    expect(happy.length).toBeGreaterThan(3);
    for (const probe of happy) {
      const tree = referenceTree(probe.treeSize);
      if (hex(tree.root()) !== hex(b64(probe.root))) continue;
      expect(tree.inclusionProof(probe.leafIdx).map(hex)).toEqual((probe.proof ?? []).map((hash) => hex(b64(hash))));
    }
  });
});

describe('consistency proofs (transparency-dev/merkle testdata/consistency)', () => {
  it.each(probes.consistency.map((probe) => [probe.file, probe] as const))('%s', (_file, probe) => {
    const ok = verifyConsistency(
      probe.size1,
      probe.size2,
      (probe.proof ?? []).map(b64),
      b64(probe.root1),
      b64(probe.root2),
    );
    expect(ok).toBe(!probe.wantErr);
  });

  it('generates exactly the happy-path proofs of the reference tree', () => {
    const happy = probes.consistency.filter((probe) => probe.desc === 'happy path');
    expect(happy.length).toBeGreaterThan(3);
    for (const probe of happy) {
      const tree = referenceTree(probe.size2);
      expect(hex(tree.root())).toBe(hex(b64(probe.root2)));
      expect(tree.consistencyProof(probe.size1).map(hex)).toEqual((probe.proof ?? []).map((hash) => hex(b64(hash))));
    }
  });
});

describe('MerkleTree properties', () => {
  const sizes = fc.integer({ min: 1, max: 70 });

  it('every inclusion proof it generates verifies, and fails for another leaf or index', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(), (size, rawIndex, rawSize) => {
        const tree = referenceOfSize(size);
        const treeSize = 1 + (rawSize % size);
        const index = rawIndex % treeSize;
        const proof = tree.inclusionProof(index, treeSize);
        const root = tree.root(treeSize);
        expect(verifyInclusion(index, treeSize, tree.leafHash(index), proof, root)).toBe(true);
        expect(verifyInclusion(index, treeSize, hashLeaf(Buffer.from('other')), proof, root)).toBe(false);
        if (treeSize > 1) {
          const otherIndex = (index + 1) % treeSize;
          expect(verifyInclusion(otherIndex, treeSize, tree.leafHash(index), proof, root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every consistency proof it generates verifies, and fails against a different old root', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), (size, rawOld) => {
        const tree = referenceOfSize(size);
        const oldSize = 1 + (rawOld % size);
        const proof = tree.consistencyProof(oldSize, size);
        expect(verifyConsistency(oldSize, size, proof, tree.root(oldSize), tree.root())).toBe(true);
        if (oldSize < size) {
          const forged = hashLeaf(Buffer.from('forged'));
          expect(verifyConsistency(oldSize, size, proof, forged, tree.root())).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('truncate(size) returns to the tree of that size', () => {
    const tree = referenceOfSize(37);
    const root20 = hex(tree.root(20));
    tree.truncate(20);
    expect(tree.size).toBe(20);
    expect(hex(tree.root())).toBe(root20);
    tree.append(hashLeaf(Buffer.from('leaf 20')));
    expect(hex(tree.root())).toBe(hex(referenceOfSize(21).root()));
  });

  it('appendLeaves(batch) after any earlier batches gives the roots and proofs of appending leaf by leaf', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 70 }), { maxLength: 6 }), (batchSizes) => {
        const total = batchSizes.reduce((sum, count) => sum + count, 0);
        const reference = referenceOfSize(total);
        const batched = new MerkleTree();
        for (const count of batchSizes) {
          const first = batched.size;
          const leaves = Array.from({ length: count }, (_, offset) => hashLeaf(Buffer.from(`leaf ${first + offset}`)));
          batched.appendLeaves(Buffer.concat(leaves));
          expect(batched.size).toBe(first + count);
        }
        for (let size = 1; size <= total; size += 1) {
          expect(hex(batched.root(size))).toBe(hex(reference.root(size)));
          expect(batched.inclusionProof(size - 1, size).map(hex)).toEqual(
            reference.inclusionProof(size - 1, size).map(hex),
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('MerkleTree across its storage chunks (32,768 hashes each)', () => {
  // RFC 6962's MTH straight from its definition, over the leaf hashes: no stored level is used.
  const mth = (leaves: readonly Uint8Array[], start: number, end: number): Uint8Array => {
    if (end - start === 1) return leaves[start] as Uint8Array;
    let k = 1;
    while (k * 2 < end - start) k *= 2;
    return hashChildren(mth(leaves, start, start + k), mth(leaves, start + k, end));
  };

  it('gives RFC 6962 roots, leaves and proofs on both sides of every chunk boundary, after batches that straddle them', () => {
    const total = 70_001;
    const leaves = Array.from({ length: total }, (_, index) => hashLeaf(Buffer.from(`leaf ${index}`)));
    const tree = new MerkleTree();
    // Odd batch sizes, so batches start and end inside chunks and cross their boundaries.
    for (let first = 0, batch = 1; first < total; first += batch, batch = (batch * 7 + 3) % 4099) {
      tree.appendLeaves(Buffer.concat(leaves.slice(first, first + batch)));
    }
    expect(tree.size).toBe(total);
    const boundaries = [1, 2, 32_767, 32_768, 32_769, 65_535, 65_536, 65_537, total];
    for (const size of boundaries) {
      const root = tree.root(size);
      expect(hex(root)).toBe(hex(mth(leaves, 0, size)));
      for (const index of [0, size - 1, Math.floor(size / 2)]) {
        expect(hex(tree.leafHash(index))).toBe(hex(leaves[index] as Uint8Array));
        expect(verifyInclusion(index, size, leaves[index] as Uint8Array, tree.inclusionProof(index, size), root)).toBe(
          true,
        );
      }
    }
    expect(verifyConsistency(32_768, total, tree.consistencyProof(32_768, total), tree.root(32_768), tree.root())).toBe(
      true,
    );
    // Cut back into the first chunk, then grow past the boundary again with other leaves.
    tree.truncate(30_000);
    const regrown = [...leaves.slice(0, 30_000)];
    for (let index = 30_000; index < 40_000; index += 1) regrown.push(hashLeaf(Buffer.from(`other ${index}`)));
    tree.appendLeaves(Buffer.concat(regrown.slice(30_000)));
    expect(hex(tree.root())).toBe(hex(mth(regrown, 0, 40_000)));
    expect(hex(tree.leafHash(35_000))).toBe(hex(regrown[35_000] as Uint8Array));
  });
});

function referenceOfSize(size: number): MerkleTree {
  const tree = new MerkleTree();
  for (let index = 0; index < size; index += 1) tree.append(hashLeaf(Buffer.from(`leaf ${index}`)));
  return tree;
}

describe('proofs of trees too large to build (sizes up to 2^53 - 1, as a checkpoint allows)', () => {
  // RFC 6962 §2.1.2: for m = 2^50 + 1 and n = m + 1 the proof is [leaf m-1, leaf m, MTH(D[0:2^50])].
  // Any three hashes stand in for them: verification only combines what it is given.
  const left = Buffer.alloc(32, 1);
  const a = Buffer.alloc(32, 2);
  const b = Buffer.alloc(32, 3);
  const oldSize = 2 ** 50 + 1;
  const oldRoot = hashChildren(left, a);
  const newRoot = hashChildren(left, hashChildren(a, b));

  it('a size just above a power of two is not taken for one (Math.log2 rounds 2^50 + 1 to 50)', () => {
    expect(verifyConsistency(oldSize, oldSize + 1, [a, b, left], oldRoot, newRoot)).toBe(true);
    expect(verifyConsistency(oldSize, oldSize + 1, [b, a, left], oldRoot, newRoot)).toBe(false);
    expect(verifyInclusion(oldSize, oldSize + 1, b, [a, left], newRoot)).toBe(true);
  });
});
