import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { type ApprovalStoreSuite, idsOf, nextOf, recordOf } from './harness.js';

/** Two instances of one store (two processes) share records, and compareAndSet stays atomic across them. */
export function registerApprovalStoreCrossInstance({ store, peer, timeoutMs }: ApprovalStoreSuite): void {
  it(
    'create(record) on one instance is seen by get(id) and listPending() on another; create there conflicts',
    async () => {
      const first = await store();
      const second = await peer(first);
      const record = recordOf();
      await first.create(record);
      expect(await second.get(record.id)).toEqual(record);
      expect(idsOf(await second.listPending())).toEqual([record.id]);
      await expectWardenError(() => second.create(record), 'CONFLICT');
    },
    timeoutMs,
  );

  it(
    'compareAndSet(id, version, next) from two instances at once lets exactly one win',
    async () => {
      const first = await store();
      const second = await peer(first);
      const record = recordOf();
      await first.create(record);
      const writers = Array.from({ length: 20 }, (_, index) => nextOf(record, { description: `writer ${index}` }));
      const results = await Promise.all(
        writers.map((next, index) => (index % 2 ? first : second).compareAndSet(record.id, 1, next)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await second.get(record.id)).toEqual(writers[results.indexOf(true)]);
    },
    timeoutMs,
  );
}
