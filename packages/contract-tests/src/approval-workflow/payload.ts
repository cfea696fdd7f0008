import { expect, it } from 'vitest';
import { expectWardenError, settle } from '../expect-error.js';
import { APPROVAL_CONTRACT_TTL_MS, type WorkflowHarness } from './harness.js';

const PAYLOAD = { command: 'deploy', target: 'prod', replicas: 3, flags: ['--atomic'] };

/** isApprovedFor(id, payload): the payload binding, asked of the backend itself. */
export function registerApprovalPayload(harness: () => Promise<WorkflowHarness>): void {
  it('isApprovedFor(id, payload) is true for the approved payload, its keys in any order', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: PAYLOAD,
    });
    await workflow.approve(id, 'bob');
    expect(await workflow.isApprovedFor(id, PAYLOAD)).toBe(true);
    expect(
      await workflow.isApprovedFor(id, { flags: ['--atomic'], replicas: 3, target: 'prod', command: 'deploy' }),
    ).toBe(true);
  });

  it('isApprovedFor(id, payload) is false for any changed payload', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: PAYLOAD,
    });
    await workflow.approve(id, 'bob');
    const changed: ReadonlyArray<readonly [string, unknown]> = [
      ['another target', { ...PAYLOAD, target: 'staging' }],
      ['an added field', { ...PAYLOAD, force: true }],
      ['a missing field', { command: 'deploy', target: 'prod', replicas: 3 }],
      ['a number as string', { ...PAYLOAD, replicas: '3' }],
      ['an added array entry', { ...PAYLOAD, flags: ['--atomic', '--force'] }],
      ['undefined', undefined],
      ['null', null],
      ['the description instead', 'deploy'],
    ];
    for (const [label, payload] of changed) expect(await workflow.isApprovedFor(id, payload), label).toBe(false);
  });

  it('isApprovedFor(id, payload) is false while pending, after a rejection, a cancellation and expiry', async () => {
    const { workflow, advance } = await harness();
    const request = { requester: 'alice', description: 'deploy', tier: 'security-review' as const, payload: PAYLOAD };
    const pending = await workflow.request(request);
    expect(await workflow.isApprovedFor(pending, PAYLOAD)).toBe(false);
    await workflow.approve(pending, 'bob');
    expect(await workflow.isApprovedFor(pending, PAYLOAD), 'one approval of a quorum of two').toBe(false);

    const rejected = await workflow.request(request);
    await workflow.reject(rejected, 'bob', 'not now');
    expect(await workflow.isApprovedFor(rejected, PAYLOAD)).toBe(false);

    if (workflow.cancel) {
      const cancelled = await workflow.request(request);
      await workflow.cancel(cancelled, 'alice');
      expect(await workflow.isApprovedFor(cancelled, PAYLOAD)).toBe(false);
    }

    await advance(APPROVAL_CONTRACT_TTL_MS);
    expect(await workflow.isApprovedFor(pending, PAYLOAD), 'expired').toBe(false);
  });

  it('isApprovedFor(id, payload) of a request filed without a payload covers only undefined', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await workflow.approve(id, 'bob');
    expect(await workflow.isApprovedFor(id, undefined)).toBe(true);
    for (const payload of [PAYLOAD, {}, null, '', 0]) {
      expect(await workflow.isApprovedFor(id, payload), JSON.stringify(payload)).toBe(false);
    }
  });

  it('isApprovedFor(id, payload) binds the payload as it was at request time, not as the caller changed it later', async () => {
    const { workflow } = await harness();
    const payload = { command: 'deploy', target: 'prod' };
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review', payload });
    payload.target = 'everything';
    await workflow.approve(id, 'bob');
    expect(await workflow.isApprovedFor(id, { command: 'deploy', target: 'prod' })).toBe(true);
    expect(await workflow.isApprovedFor(id, payload)).toBe(false);
    expect((await workflow.get(id)).payload).toEqual({ command: 'deploy', target: 'prod' });
  });

  it('isApprovedFor(id, payload) of an auto-approved request binds its payload too', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'typo', tier: 'auto', payload: PAYLOAD });
    expect(await workflow.isApprovedFor(id, PAYLOAD)).toBe(true);
    expect(await workflow.isApprovedFor(id, { ...PAYLOAD, target: 'staging' })).toBe(false);
  });

  it('isApprovedFor(id, payload) with a payload JSON cannot represent is false or INVALID_INPUT, never true', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({
      requester: 'alice',
      description: 'deploy',
      tier: 'peer-review',
      payload: PAYLOAD,
    });
    await workflow.approve(id, 'bob');
    for (const payload of [{ run: () => 'rm -rf /' }, { size: 10n }]) {
      const outcome = await settle(workflow.isApprovedFor(id, payload));
      if ('resolved' in outcome) expect(outcome.resolved).toBe(false);
      else expect(outcome.rejected).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('isApprovedFor(id, payload) of an unknown id throws APPROVAL_NOT_FOUND', async () => {
    const { workflow } = await harness();
    await expectWardenError(() => workflow.isApprovedFor('no-such-request', PAYLOAD), 'APPROVAL_NOT_FOUND');
  });
}
