import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { deleteRedisKeys, describeWithRedisTopologies } from '@warden/testing';
import { expect, it } from 'vitest';
import { startChild } from '../test/child-process.js';
import { createRedisApprovalStore } from './redis-approval-store.js';

const PROCESSES = 5;
const APPROVERS_PER_PROCESS = 10;

interface RaceReport {
  pid: number;
  outcomes: string[];
  approvedTransitions: number;
  lostCompareAndSets: number;
}

describeWithRedisTopologies(
  'Redis approvals across processes',
  (topology) => {
    it('50 approvers in 5 processes racing on a quorum-2 request: two approvals, one transition to approved', async () => {
      const prefix = `warden-test:approvals:race-${randomUUID()}:`;
      const store = createRedisApprovalStore({ ...topology.connection, keyPrefix: prefix });
      try {
        const workflow = createApprovalWorkflow({ store });
        const id = await workflow.request({ requester: 'alice', description: 'rotate keys', tier: 'security-review' });
        const children = Array.from({ length: PROCESSES }, (_, process) => {
          const approvers = Array.from(
            { length: APPROVERS_PER_PROCESS },
            (_, index) => `p${process}-approver-${index}`,
          );
          return startChild('race-approver.ts', [JSON.stringify(topology.connection), prefix, id, approvers.join(',')]);
        });
        expect(await Promise.all(children.map((child) => child.nextLine()))).toEqual(Array(PROCESSES).fill('ready'));
        for (const child of children) child.child.stdin?.write('go\n');
        const reports: RaceReport[] = await Promise.all(
          children.map(async (child) => JSON.parse(await child.nextLine())),
        );
        expect(await Promise.all(children.map((child) => child.exited))).toEqual(Array(PROCESSES).fill(0));

        const outcomes = reports.flatMap((report) => report.outcomes);
        const count = (value: string) => outcomes.filter((outcome) => outcome === value).length;
        console.info(
          `race: ${outcomes.length} approvals from ${new Set(reports.map((report) => report.pid)).size} processes → ` +
            `approved ${count('approved')}, pending ${count('pending')}, APPROVAL_NOT_PENDING ${count('APPROVAL_NOT_PENDING')}, ` +
            `transitions to approved observed ${reports.reduce((sum, report) => sum + report.approvedTransitions, 0)}, ` +
            `compare-and-sets lost and retried ${reports.reduce((sum, report) => sum + report.lostCompareAndSets, 0)}`,
        );
        expect(outcomes).toHaveLength(50);
        expect([count('approved'), count('pending'), count('APPROVAL_NOT_PENDING')]).toEqual([1, 1, 48]);
        expect(reports.reduce((sum, report) => sum + report.approvedTransitions, 0)).toBe(1);
        const record = await workflow.get(id);
        expect(record.status).toBe('approved');
        expect(record.decisions).toHaveLength(2);
        expect(new Set(record.decisions.map((decision) => decision.approver)).size).toBe(2);
        expect(record.version).toBe(3);
      } finally {
        await store.close();
        const client = await topology.connect();
        await deleteRedisKeys(client, `${prefix}*`);
        client.disconnect();
      }
    });
  },
  // Sentinel adds nothing to a race on one master; the issue asks for single Redis and Cluster.
  ['single', 'cluster'],
);
