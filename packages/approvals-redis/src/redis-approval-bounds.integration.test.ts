import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { deleteRedisKeys, describeWithRedisTopologies } from '@warden/testing';
import { expect, it } from 'vitest';
import { startChild } from '../test/child-process.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 10;

/** Starts the filers, lets them go at once, and returns every outcome. */
async function raceFilers(
  connection: object,
  bounds: object,
  prefix: string,
  requesters: (process: number) => string[],
) {
  const children = Array.from({ length: PROCESSES }, (_, process) =>
    startChild('race-filer.ts', [
      JSON.stringify(connection),
      JSON.stringify(bounds),
      prefix,
      requesters(process).join(','),
    ]),
  );
  expect(await Promise.all(children.map((child) => child.nextLine()))).toEqual(Array(PROCESSES).fill('ready'));
  for (const child of children) child.child.stdin?.write('go\n');
  const reports: { outcomes: string[] }[] = await Promise.all(
    children.map(async (child) => JSON.parse(await child.nextLine())),
  );
  expect(await Promise.all(children.map((child) => child.exited))).toEqual(Array(PROCESSES).fill(0));
  return reports.flatMap((report) => report.outcomes);
}

describeWithRedisTopologies(
  'Redis approval store pending bounds across processes',
  (topology) => {
    const withStore = async (bounds: object, test: (store: RedisApprovalStore, prefix: string) => Promise<void>) => {
      const prefix = `warden-test:approvals:bounds-${randomUUID()}:`;
      const store = createRedisApprovalStore({ ...topology.connection, ...bounds, keyPrefix: prefix });
      try {
        await test(store, prefix);
      } finally {
        await store.close();
        const client = await topology.connect();
        await deleteRedisKeys(client, `${prefix}*`);
        client.disconnect();
      }
    };

    it(`peers with self-made keys flooding ${PROCESSES} processes at once never pass maxPending; the refused get QUOTA_EXCEEDED and evict nothing`, async () => {
      const bounds = { maxPending: 10 };
      await withStore(bounds, async (store, prefix) => {
        const workflow = createApprovalWorkflow({ store });
        const queuedBefore = [
          await workflow.request({ requester: 'operator-job', description: 'nightly', tier: 'peer-review' }),
          await workflow.request({ requester: 'operator-job', description: 'weekly', tier: 'peer-review' }),
        ];
        const outcomes = await raceFilers(topology.connection, bounds, prefix, (process) =>
          Array.from({ length: REQUESTS_PER_PROCESS }, (_, index) => `p2p:self-made-${process}-${index}`),
        );
        const count = (value: string) => outcomes.filter((outcome) => outcome === value).length;
        console.info(`bounds race: ${count('filed')} filed, ${count('QUOTA_EXCEEDED')} refused of ${outcomes.length}`);
        // Counted then inserted by each process, every one of them saw room: 2 + 40 were pending.
        expect([count('filed'), count('QUOTA_EXCEEDED')]).toEqual([8, PROCESSES * REQUESTS_PER_PROCESS - 8]);
        expect(await store.listPending()).toHaveLength(10);
        for (const id of queuedBefore) expect(await workflow.getStatus(id)).toBe('pending');
      });
    });

    it(`one self-made key filing from ${PROCESSES} processes at once never passes maxPendingPerRequester`, async () => {
      const bounds = { maxPendingPerRequester: 3 };
      await withStore(bounds, async (store, prefix) => {
        const outcomes = await raceFilers(topology.connection, bounds, prefix, () =>
          Array(REQUESTS_PER_PROCESS).fill('p2p:one-key'),
        );
        expect(outcomes.filter((outcome) => outcome === 'filed')).toHaveLength(3);
        expect(outcomes.filter((outcome) => outcome !== 'filed')).toEqual(Array(37).fill('QUOTA_EXCEEDED'));
        expect(await store.listPending({ requester: 'p2p:one-key' })).toHaveLength(3);
        // Another requester still has room: the bound is per requester.
        const workflow = createApprovalWorkflow({ store });
        await workflow.request({ requester: 'p2p:other-key', description: 'fine', tier: 'peer-review' });
      });
    });

    it('a requester name with a lone surrogate half is counted apart from the one with U+FFFD under maxPendingPerRequester', async () => {
      await withStore({ maxPendingPerRequester: 1 }, async (store) => {
        const workflow = createApprovalWorkflow({ store });
        for (const requester of ['p2p:victim\ufffd', 'p2p:victim\ud800', 'p2p:victim\udc00']) {
          await workflow.request({ requester, description: 'one', tier: 'peer-review' });
          expect(await store.listPending({ requester })).toHaveLength(1);
        }
      });
    });

    it('a decided request frees its place under maxPending', async () => {
      await withStore({ maxPending: 1 }, async (store) => {
        const workflow = createApprovalWorkflow({ store });
        const id = await workflow.request({ requester: 'p2p:a', description: 'one', tier: 'peer-review' });
        await expect(workflow.request({ requester: 'p2p:b', description: 'two' })).rejects.toMatchObject({
          code: 'QUOTA_EXCEEDED',
        });
        await workflow.reject(id, 'operator', 'no');
        await workflow.request({ requester: 'p2p:b', description: 'two', tier: 'peer-review' });
      });
    });
  },
  ['single', 'cluster'],
);
