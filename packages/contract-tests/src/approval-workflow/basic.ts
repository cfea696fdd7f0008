import { computePayloadDigest } from '@warden/core';
import { expect, it } from 'vitest';
import { APPROVAL_CONTRACT_TTL_MS, isoPlus, type WorkflowHarness } from './harness.js';

/** request, getStatus, get and listPending as the port promises. */
export function registerApprovalBasics(harness: () => Promise<WorkflowHarness>): void {
  it('names its port version and provider', async () => {
    const { workflow } = await harness();
    expect(workflow.specificationVersion).toBe('approval-workflow-v1');
    expect(workflow.providerId).toMatch(/\S/);
  });

  it('request(request) returns an id whose getStatus(id) is pending', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(typeof id).toBe('string');
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('request(request) with a low classification score is approved at once (auto)', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'typo',
      classification: { complexityScore: 1 },
    });
    expect(await workflow.getStatus(id)).toBe('approved');
    expect(await workflow.get(id)).toMatchObject({ tier: 'auto', quorum: 0, decisions: [] });
  });

  it('request(request) with neither tier nor classification needs an approver (fails closed)', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'unclassified' });
    const record = await workflow.get(id);
    expect(record.status).toBe('pending');
    expect(record.quorum).toBeGreaterThanOrEqual(1);
  });

  it('request(request) classifies security-sensitive work as security-review with a quorum of 2', async () => {
    const { workflow } = await harness();
    const classification = { complexityScore: 2, securitySensitive: true };
    const id = await workflow.request({ requester: 'alice', description: 'rotate keys', classification });
    expect(await workflow.get(id)).toMatchObject({ tier: 'security-review', quorum: 2, status: 'pending' });
  });

  it('get(id) returns the whole record with times, tier and payload digest', async () => {
    const { workflow } = await harness();
    const payload = { command: 'deploy', target: 'prod' };
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'team-lead', payload });
    const record = await workflow.get(id);
    expect(record.expiresAt).toBe(isoPlus(record.createdAt, APPROVAL_CONTRACT_TTL_MS));
    expect(Number.isNaN(Date.parse(record.createdAt))).toBe(false);
    expect(record).toMatchObject({
      id,
      requester: 'alice',
      description: 'deploy',
      tier: 'team-lead',
      status: 'pending',
      quorum: 1,
      payloadDigest: computePayloadDigest(payload),
      payload,
      decisions: [],
    });
  });

  it('get(id) returns a copy: changing it changes nothing stored', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const record = await workflow.get(id);
    record.status = 'approved';
    record.decisions.push({ approver: 'mallory', decision: 'approve', at: record.createdAt });
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
  });

  it('listPending(filter) lists pending requests oldest first, by tier and by requester', async () => {
    const { workflow, advance } = await harness();
    const first = await workflow.request({ requester: 'alice', description: 'one', tier: 'peer-review' });
    await advance(1_000);
    const second = await workflow.request({ requester: 'bob', description: 'two', tier: 'team-lead' });
    await advance(1_000);
    const third = await workflow.request({ requester: 'alice', description: 'three', tier: 'team-lead' });
    await workflow.request({ requester: 'alice', description: 'auto', tier: 'auto' });
    const ids = async (filter?: object) => (await workflow.listPending(filter)).map((record) => record.id);
    expect(await ids()).toEqual([first, second, third]);
    expect(await ids({ tier: 'team-lead' })).toEqual([second, third]);
    expect(await ids({ requester: 'alice' })).toEqual([first, third]);
    expect(await ids({ requester: 'alice', tier: 'team-lead' })).toEqual([third]);
  });
}
