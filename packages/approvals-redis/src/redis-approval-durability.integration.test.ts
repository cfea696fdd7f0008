import { createApprovalWorkflow } from '@warden/approvals';
import { computePayloadDigest } from '@warden/core';
import { describeWithService, startRedisServer } from '@warden/testing';
import { expect, it } from 'vitest';
import { startChild } from '../test/child-process.js';
import { createRedisApprovalStore } from './redis-approval-store.js';

describeWithService('redis', 'Redis approvals durability (private server, append-only file on)', () => {
  it('a killed and restarted Redis and a restarted process lose no request and no decision; a live client reconnects', async () => {
    const server = await startRedisServer({ appendOnly: true });
    const prefix = 'warden-test:approvals:durable:';
    try {
      const writer = startChild('durable-writer.ts', [server.url, prefix]);
      const ids = JSON.parse(await writer.nextLine()) as Record<
        'pending' | 'halfway' | 'approved' | 'rejected',
        string
      >;
      expect(await writer.exited).toBe(0);

      const survivor = createRedisApprovalStore({ url: server.url, keyPrefix: prefix, commandTimeoutMs: 500 });
      expect((await survivor.get(ids.approved))?.status).toBe('approved');
      await server.kill();
      await expect(survivor.get(ids.approved)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      await server.restart();
      expect((await eventually(() => survivor.get(ids.rejected)))?.reason).toBe('no ticket');
      await survivor.close();

      const store = createRedisApprovalStore({ url: server.url, keyPrefix: prefix });
      const workflow = createApprovalWorkflow({ store });
      try {
        expect((await workflow.listPending()).map((record) => record.id)).toEqual([ids.pending, ids.halfway]);
        expect(await workflow.get(ids.halfway)).toMatchObject({ status: 'pending', decisions: [{ approver: 'sam' }] });
        expect(await workflow.get(ids.approved)).toMatchObject({
          status: 'approved',
          decidedBy: 'bob',
          payloadDigest: computePayloadDigest({ command: 'deploy', target: 'prod' }),
        });
        expect(await workflow.get(ids.rejected)).toMatchObject({
          status: 'rejected',
          reason: 'no ticket',
          decidedBy: 'carol',
        });
        expect(await workflow.approve(ids.halfway, 'sue')).toBe('approved');
      } finally {
        await store.close();
      }
    } finally {
      await server.dispose();
    }
  });
});

/** Retries `read` until it succeeds (a client reconnecting after a restart), for up to five seconds. */
async function eventually<Value>(read: () => Promise<Value>): Promise<Value> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
