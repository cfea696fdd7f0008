/**
 * Capability ids: 128 random bits as 32 hexadecimal characters. Random bytes are drawn from
 * `node:crypto` in batches, and each id is cut from the batch as one flat string, which makes
 * bulk grants several times cheaper than `crypto.randomUUID()` (whose string is built by
 * concatenation and must be flattened before it can be hashed).
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const BATCH_IDS = 256;

/** Returns a function that makes unguessable capability ids. Each algebra has its own. */
export function createIdGenerator(): () => string {
  const batch = Buffer.alloc(ID_BYTES * BATCH_IDS);
  let offset = batch.length;
  return () => {
    if (offset === batch.length) {
      randomFillSync(batch);
      offset = 0;
    }
    const id = batch.toString('hex', offset, offset + ID_BYTES);
    offset += ID_BYTES;
    return id;
  };
}
