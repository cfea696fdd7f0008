import { createApprovalWorkflow } from '@warden/approvals';
import { type ApprovalWorkflow, createInjectionSource } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createGatewayFixture } from '../test/gateway-fixture.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });

/** Picks the calls that fail: by their number, their arguments, or what the store holds. */
type FaultPicker = (call: number, args: unknown[], workflow: ApprovalWorkflow) => boolean | Promise<boolean>;

/** The memory workflow, with one method failing on the calls `fails` picks (a Redis that went away). */
function faulty(method: keyof ApprovalWorkflow, fails: FaultPicker): ApprovalWorkflow {
  const workflow = createApprovalWorkflow();
  let calls = 0;
  return new Proxy(workflow, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        calls += 1;
        if (await fails(calls, args, target)) throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
        return value.apply(target, args);
      };
    },
  });
}

describe('a workflow that fails (its Redis went away): faults are attackers too', () => {
  it.each(['request', 'listPending'] as const)(
    'forwardRequest(...) through an approval gateway when workflow.%s() throws is a BACKEND_UNAVAILABLE refusal with a gateway_blocked event',
    async (method) => {
      const { gateway, events, injected } = createGatewayFixture(faulty(method, () => true));
      const result = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
      expect(result).toMatchObject({ success: false, code: 'BACKEND_UNAVAILABLE', requestId: expect.any(String) });
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'gateway_blocked',
          details: expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }),
        }),
      );
      expect(injected).toEqual([]);
    },
  );

  it('approveAndExecute(id, approver) when workflow.get() throws is BACKEND_UNAVAILABLE, delivers nothing, and the request is retried once the store is back (not stuck "being delivered")', async () => {
    // The first read of the request once approved (after the claim, for the approved digest) fails.
    let failed = false;
    const readAfterApproval: FaultPicker = async (_call, [id], workflow) => {
      if (failed || (await workflow.getStatus(id as string)) !== 'approved') return false;
      failed = true;
      return true;
    };
    const { gateway, injected } = createGatewayFixture(faulty('get', readAfterApproval));
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
    expect(queued.requiresApproval).toBe(true);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({
      success: false,
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(injected).toEqual([]);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({ success: true });
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
    });
    expect(injected).toHaveLength(1);
  });

  it('approveAndExecute(id, approver) when the first workflow.get() throws is BACKEND_UNAVAILABLE, not an exception', async () => {
    const { gateway, injected } = createGatewayFixture(faulty('get', (call) => call === 1));
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
    expect(await gateway.approveAndExecute(queued.requestId, 'operator')).toMatchObject({
      success: false,
      code: 'BACKEND_UNAVAILABLE',
    });
    expect(injected).toEqual([]);
  });
});

describe('approveAndExecute(id, approver) with an id a peer made up', () => {
  it.each(['', 'x'.repeat(5_000), 'apr_1\u001b[2J'])(
    'answers %j with an INVALID_INPUT result, like every other refusal, and delivers nothing',
    async (id) => {
      const { gateway, injected } = createGatewayFixture(createApprovalWorkflow());
      expect(await gateway.approveAndExecute(id, 'operator')).toMatchObject({ success: false, code: 'INVALID_INPUT' });
      expect(injected).toEqual([]);
    },
  );
});

describe('a workflow whose approve() answers "approved" again for a request already approved (not to the port)', () => {
  it('approveRequest(id, approver) after the delivery does not make the request deliverable again: delivered once', async () => {
    const workflow = createApprovalWorkflow();
    const lenient = new Proxy(workflow, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property);
        if (typeof value !== 'function') return value;
        if (property !== 'approve') return value.bind(target);
        return async (id: string, approver: string) =>
          (await target.getStatus(id)) === 'approved' ? 'approved' : target.approve(id, approver);
      },
    });
    const { gateway, injected, advance } = createGatewayFixture(lenient);
    const queued = await gateway.forwardRequest('approval-gateway', 'code-assistant', 'deploy', peer);
    expect((await gateway.approveAndExecute(queued.requestId, 'operator')).success).toBe(true);
    advance(60_000); // the gateway's rate of one delivery a minute is not what stops it
    await gateway.approveRequest(queued.requestId, 'second-operator');
    expect(await gateway.approveAndExecute(queued.requestId, 'second-operator')).toMatchObject({
      success: false,
      code: 'APPROVAL_NOT_PENDING',
    });
    expect(injected).toHaveLength(1);
    expect((await gateway.getRequest(queued.requestId))?.status).toBe('executed');
  });
});
