import { createApprovalWorkflow, createMemoryApprovalStore } from '@warden/approvals';
import { type ApprovalWorkflow, createInjectionSource } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture, TEST_CONFIG, WORKFLOWS } from '../test/gateway-fixture.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });
const REQUESTER = 'p2p:MCowPeer';

describe.each(WORKFLOWS)('gateway approvals over the %s', (_name, makeWorkflow) => {
  async function queued(fixture = createGatewayFixture(makeWorkflow()), message = 'deploy please') {
    const result = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', message, peer);
    expect(result).toMatchObject({ success: false, requiresApproval: true });
    return { ...fixture, id: result.requestId };
  }

  it('forwardRequest(...) through an approval gateway queues the request and delivers nothing', async () => {
    const { gateway, injected, id } = await queued();
    expect(injected).toEqual([]);
    expect((await gateway.getPendingRequests()).map((request) => request.id)).toEqual([id]);
    expect(await gateway.getPendingRequests('p2p-gateway')).toEqual([]);
  });

  it('approveAndExecute(id, approver) delivers once and records the approver', async () => {
    const { gateway, injected, events, id } = await queued();
    expect(await gateway.approveAndExecute(id, 'bob')).toEqual({
      success: true,
      response: 'ok:deploy please',
      requestId: id,
    });
    expect(injected).toHaveLength(1);
    expect(await gateway.getRequest(id)).toMatchObject({ status: 'executed', approvedBy: ['bob'], decidedBy: 'bob' });
    expect(events.find((event) => event.type === 'gateway_forward')?.details).toMatchObject({ approvedBy: ['bob'] });
    expect((await gateway.approveAndExecute(id, 'carol')).success).toBe(false);
    expect(injected).toHaveLength(1);
  });

  it('approveRequest(id, approver) removes the request from getPendingRequests() (WOPR listed approved requests as pending)', async () => {
    const { gateway, id } = await queued();
    expect(await gateway.approveRequest(id, 'bob')).toMatchObject({ status: 'approved', approvedBy: ['bob'] });
    expect(await gateway.getPendingRequests()).toEqual([]);
  });

  it('approveAndExecute(id, approver) after approveRequest delivers the request held approved', async () => {
    const { gateway, injected, id } = await queued();
    await gateway.approveRequest(id, 'bob');
    expect((await gateway.approveAndExecute(id, 'carol')).success).toBe(true);
    expect(injected).toHaveLength(1);
  });

  it('approveAndExecute(id, approver) called at once on a request held approved delivers exactly once', async () => {
    const { gateway, injected, id } = await queued();
    await gateway.approveRequest(id, 'bob');
    const results = await Promise.all(['carol', 'dave', 'erin'].map((who) => gateway.approveAndExecute(id, who)));
    expect(results.filter((result) => result.success)).toHaveLength(1);
    expect(injected).toHaveLength(1);
  });

  it('rejectRequest(id, approver, reason) keeps the reason and the request leaves the pending list', async () => {
    const { gateway, injected, id } = await queued();
    expect(await gateway.rejectRequest(id, 'bob', 'not during the freeze')).toMatchObject({
      status: 'rejected',
      reason: 'not during the freeze',
    });
    expect(await gateway.getPendingRequests()).toEqual([]);
    expect((await gateway.approveAndExecute(id, 'carol')).success).toBe(false);
    expect(await gateway.approveRequest(id, 'carol')).toBeNull();
    expect(injected).toEqual([]);
  });

  it('approveAndExecute(id, sender) by the original sender is refused (no self-approval)', async () => {
    const { gateway, injected, id } = await queued();
    expect(await gateway.approveAndExecute(id, REQUESTER)).toMatchObject({ success: false });
    await expect(gateway.approveRequest(id, REQUESTER)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(injected).toEqual([]);
  });

  it('approveAndExecute(id, approver) called twice at once delivers exactly once', async () => {
    const { gateway, injected, id } = await queued();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => gateway.approveAndExecute(id, `approver-${index}`)),
    );
    expect(results.filter((result) => result.success)).toHaveLength(1);
    expect(injected).toHaveLength(1);
  });

  it('approveAndExecute(id, approver) re-checks policy at execution time (WOPR did not re-validate on approve)', async () => {
    const { gateway, engine, injected, id } = await queued();
    await gateway.approveRequest(id, 'bob');
    const sessions = { ...TEST_CONFIG.sessions };
    sessions['code-assistant'] = { access: ['trust:trusted'] };
    await engine.saveConfig({ ...TEST_CONFIG, sessions });
    expect(await gateway.approveAndExecute(id, 'carol')).toMatchObject({ success: false });
    expect(injected).toEqual([]);
    await engine.saveConfig(TEST_CONFIG);
    expect((await gateway.approveAndExecute(id, 'carol')).success).toBe(true);
  });

  it('approveAndExecute(id, approver) while the kill switch is active records no approval and delivers nothing', async () => {
    const { gateway, killSwitch, injected, id } = await queued();
    await killSwitch.activate('incident');
    expect(await gateway.approveAndExecute(id, 'bob')).toMatchObject({
      success: false,
      error: expect.stringContaining('Kill switch'),
    });
    expect(await gateway.getRequest(id)).toMatchObject({ status: 'pending', approvedBy: [] });
    await killSwitch.deactivate();
    expect((await gateway.approveAndExecute(id, 'bob')).success).toBe(true);
    expect(injected).toHaveLength(1);
  });

  it('counts the rate limit when requests are queued, and again when they execute', async () => {
    const fixture = await queued();
    const early = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'too soon', peer);
    expect(early).toMatchObject({ success: false, code: 'RATE_LIMITED' });
    expect(await fixture.gateway.getPendingRequests()).toHaveLength(1);
    fixture.advance(60_000);
    const second = (await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'two', peer)).requestId;
    fixture.advance(60_000);
    const third = (await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'three', peer)).requestId;
    expect(await fixture.gateway.getPendingRequests()).toHaveLength(3);
    expect((await fixture.gateway.approveAndExecute(fixture.id, 'bob')).success).toBe(true);
    expect(await fixture.gateway.approveAndExecute(second, 'bob')).toMatchObject({
      success: false,
      error: expect.stringContaining('Rate limit of 1 per minute'),
    });
    fixture.advance(60_000);
    expect((await fixture.gateway.approveAndExecute(second, 'carol')).success).toBe(true);
    expect((await fixture.gateway.approveAndExecute(third, 'bob')).success).toBe(false);
    expect(fixture.injected.map((delivery) => delivery.message)).toEqual(['deploy please', 'two']);
  });
});

describe('gateway approvals with a quorum of two', () => {
  it('approveAndExecute waits for the second distinct approver, then delivers exactly once under a race', async () => {
    const fixture = createGatewayFixture(createApprovalWorkflow(), { approvalTier: 'security-review' });
    const { requestId } = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'rotate', peer);
    expect(await fixture.gateway.approveAndExecute(requestId, 'bob')).toMatchObject({
      success: false,
      requiresApproval: true,
    });
    expect(await fixture.gateway.approveAndExecute(requestId, 'bob')).toMatchObject({ requiresApproval: true });
    const race = await Promise.all(
      ['carol', 'dave', 'erin'].map((who) => fixture.gateway.approveAndExecute(requestId, who)),
    );
    expect(race.filter((result) => result.success)).toHaveLength(1);
    expect(fixture.injected).toHaveLength(1);
    expect((await fixture.gateway.getRequest(requestId))?.approvedBy).toHaveLength(2);
  });
});

describe('gateway approvals bound to the payload', () => {
  it('approveAndExecute(id, approver) refuses a request whose stored payload changed after approval', async () => {
    const store = createMemoryApprovalStore();
    const fixture = createGatewayFixture(createApprovalWorkflow({ store }));
    const { requestId } = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'read logs', peer);
    await fixture.gateway.approveRequest(requestId, 'bob');
    const record = await store.get(requestId);
    if (!record) throw new Error('record missing');
    const tampered = {
      ...record,
      payload: { ...(record.payload as object), message: 'rm -rf /' },
      version: record.version + 1,
    };
    expect(await store.compareAndSet(requestId, record.version, tampered)).toBe(true);
    expect(await fixture.gateway.approveAndExecute(requestId, 'carol')).toMatchObject({
      success: false,
      error: expect.stringContaining('payload changed'),
    });
    expect(fixture.injected).toEqual([]);
  });
});

describe('gateway approvals bound to the payload it delivers', () => {
  it('approveAndExecute(id, approver) refuses when the payload it read differs from the one the approval covers (changed and restored in the store between two reads)', async () => {
    const workflow = createApprovalWorkflow();
    let tamperNextRead = false;
    // Someone who can write to a shared store swaps the message for one read, then puts it back.
    const racing: ApprovalWorkflow = {
      ...workflow,
      get: async (requestId) => {
        const record = await workflow.get(requestId);
        if (!tamperNextRead) return record;
        tamperNextRead = false;
        return { ...record, payload: { ...(record.payload as object), message: 'rm -rf /' } };
      },
    };
    const fixture = createGatewayFixture(racing);
    const { requestId } = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'read logs', peer);
    tamperNextRead = true;
    const result = await fixture.gateway.approveAndExecute(requestId, 'bob');
    expect(result).toMatchObject({ success: false, code: 'ACCESS_DENIED' });
    expect(fixture.injected).toEqual([]);
  });
});

describe('gateway memory bounds', () => {
  it('a delivery forgotten by the bounded ledger is still never delivered twice', async () => {
    const fixture = createGatewayFixture(
      createApprovalWorkflow(),
      { maxRemembered: 1 },
      {
        sessions: {
          ...TEST_CONFIG.sessions,
          'approval-gateway': {
            ...TEST_CONFIG.sessions?.['approval-gateway'],
            gateway: { allowForwardTo: ['code-assistant'], requireApproval: true },
          },
        },
      },
    );
    const ids = [];
    for (const message of ['a', 'b', 'c']) {
      ids.push((await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', message, peer)).requestId);
    }
    for (const id of ids) expect((await fixture.gateway.approveAndExecute(id, 'bob')).success).toBe(true);
    expect((await fixture.gateway.approveAndExecute(ids[0] ?? '', 'carol')).success).toBe(false);
    expect(fixture.injected).toHaveLength(3);
  });
});

describe('gateway over a store that holds approvals for a while', () => {
  it('an approval left undelivered past the store hold (attacker: whoever replays it later) delivers nothing: APPROVAL_NOT_FOUND', async () => {
    let storeTime = 0;
    const store = createMemoryApprovalStore({ holdApprovedFor: '1h', now: () => storeTime });
    const fixture = createGatewayFixture(createApprovalWorkflow({ store }));
    const { requestId } = await fixture.gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
    await fixture.gateway.approveRequest(requestId, 'bob');
    storeTime += 3_600_000;
    expect(await fixture.gateway.approveAndExecute(requestId, 'carol')).toMatchObject({
      success: false,
      code: 'APPROVAL_NOT_FOUND',
    });
    expect(fixture.injected).toEqual([]);
  });
});
