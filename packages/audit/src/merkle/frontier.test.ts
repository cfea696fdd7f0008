import { describe, expect, it } from 'vitest';
import { MerkleFrontier } from './frontier.ts';
import { hashLeaf } from './hash.ts';
import { MerkleTree } from './tree.ts';

describe('MerkleFrontier', () => {
  it('answers the same RFC 6962 root as the full tree at every size from 0 to 300, holding a hash per level', () => {
    const tree = new MerkleTree();
    const frontier = new MerkleFrontier();
    expect(Buffer.from(frontier.root())).toEqual(Buffer.from(tree.root()));
    for (let size = 1; size <= 300; size += 1) {
      const leaf = hashLeaf(Uint8Array.of(size & 0xff, size >> 8));
      tree.append(leaf);
      frontier.append(leaf);
      expect(frontier.size).toBe(size);
      expect(Buffer.from(frontier.root()), `size ${size}`).toEqual(Buffer.from(tree.root(size)));
    }
  });
});
