/**
 * Proof generation and verification times for logs of 10^4, 10^5 and 10^6 entries.
 */
import { hashLeaf, MerkleTree, verifyConsistency, verifyInclusion } from '../src/index.ts';

const SAMPLES = 2000;

function time(work: () => void): number {
  const started = performance.now();
  for (let sample = 0; sample < SAMPLES; sample += 1) work();
  return ((performance.now() - started) * 1000) / SAMPLES;
}

const randomBelow = (limit: number): number => Math.floor(Math.random() * limit);

console.log(
  '| entries | build tree | inclusion proof: generate | verify | consistency proof: generate | verify | proof length |',
);
console.log('|---|---|---|---|---|---|---|');
for (const size of [10_000, 100_000, 1_000_000]) {
  const tree = new MerkleTree();
  const built = performance.now();
  for (let index = 0; index < size; index += 1) tree.append(hashLeaf(Buffer.from(`entry ${index}`)));
  const buildSeconds = (performance.now() - built) / 1000;
  const root = tree.root();
  const indices = Array.from({ length: SAMPLES }, () => randomBelow(size));
  const proofs = indices.map((index) => tree.inclusionProof(index));
  let cursor = 0;
  const generateInclusion = time(() => tree.inclusionProof(indices[cursor++ % SAMPLES] ?? 0));
  cursor = 0;
  const verifyInclusionTime = time(() => {
    const index = indices[cursor % SAMPLES] ?? 0;
    const ok = verifyInclusion(index, size, tree.leafHash(index), proofs[cursor++ % SAMPLES] ?? [], root);
    if (!ok) throw new Error('inclusion proof did not verify');
  });
  const oldSizes = Array.from({ length: SAMPLES }, () => 1 + randomBelow(size - 1));
  const oldRoots = oldSizes.map((oldSize) => tree.root(oldSize));
  const consistency = oldSizes.map((oldSize) => tree.consistencyProof(oldSize));
  cursor = 0;
  const generateConsistency = time(() => tree.consistencyProof(oldSizes[cursor++ % SAMPLES] ?? 1));
  cursor = 0;
  const verifyConsistencyTime = time(() => {
    const position = cursor++ % SAMPLES;
    const ok = verifyConsistency(
      oldSizes[position] ?? 1,
      size,
      consistency[position] ?? [],
      oldRoots[position] ?? root,
      root,
    );
    if (!ok) throw new Error('consistency proof did not verify');
  });
  console.log(
    `| ${size.toLocaleString('en')} | ${buildSeconds.toFixed(2)} s | ${generateInclusion.toFixed(1)} µs | ${verifyInclusionTime.toFixed(1)} µs | ${generateConsistency.toFixed(1)} µs | ${verifyConsistencyTime.toFixed(1)} µs | ${proofs[0]?.length} / ${consistency[0]?.length} hashes |`,
  );
}
