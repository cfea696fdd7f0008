import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import type { WorkflowHarness } from './harness.js';

/** Typed errors, and nothing stored or changed on bad input. */
export function registerApprovalErrors(harness: () => Promise<WorkflowHarness>): void {
  it('approve(id, approver) for an unknown id throws APPROVAL_NOT_FOUND', async () => {
    const { workflow } = await harness();
    await expectWardenError(() => workflow.approve('no-such-request', 'bob'), 'APPROVAL_NOT_FOUND');
    await expect(workflow.getStatus('no-such-request')).rejects.toMatchObject({
      code: 'APPROVAL_NOT_FOUND',
      id: 'no-such-request',
    });
  });

  it('request(request) with an empty requester throws INVALID_INPUT and stores nothing', async () => {
    const { workflow } = await harness();
    await expect(workflow.request({ requester: '', description: 'x', tier: 'peer-review' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await workflow.listPending()).toEqual([]);
  });

  it('a name that shows nobody or hides who it is (invisible only, a terminal escape, a line separator) is INVALID_INPUT and records nothing', async () => {
    const { workflow } = await harness();
    for (const name of ['\u200b', ' \u00ad ', 'bob\u001b[2K\u001b[1Gsam', 'bob\tsam', 'bob\u2028sam']) {
      await expect(workflow.request({ requester: name, description: 'x', tier: 'peer-review' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
    expect(await workflow.listPending()).toEqual([]);
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    for (const name of ['\u2060', 'bob\u009bsam']) {
      await expectWardenError(() => workflow.approve(id, name), 'INVALID_INPUT');
      await expectWardenError(() => workflow.reject(id, name, 'no'), 'INVALID_INPUT');
    }
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
    expect(await workflow.approve(id, 'José María')).toBe('approved');
  });

  it('a name holding a bidirectional override, embedding or isolate (it shows another name) is INVALID_INPUT; right-to-left names and marks are accepted', async () => {
    const { workflow } = await harness();
    // U+202E reverses what follows: "p2p:\u202eecila" is shown as "p2p:alice" to the approver.
    const forged = ['p2p:\u202eecila', 'bob\u202dsam', '\u2067ecila\u2069', 'bob\u202asam\u202c'];
    for (const name of forged) {
      await expect(workflow.request({ requester: name, description: 'x', tier: 'peer-review' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
    expect(await workflow.listPending()).toEqual([]);
    const id = await workflow.request({ requester: 'שרה\u200f', description: 'x', tier: 'security-review' });
    for (const name of forged) await expectWardenError(() => workflow.approve(id, name), 'INVALID_INPUT');
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
    expect(await workflow.approve(id, 'محمد')).toBe('pending');
  });

  it('request(request) with a NaN complexity score throws INVALID_INPUT instead of approving', async () => {
    const { workflow } = await harness();
    const classification = { complexityScore: Number.NaN };
    await expect(workflow.request({ requester: 'alice', description: 'x', classification })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await workflow.listPending()).toEqual([]);
  });

  it('request(request) with a payload JSON cannot represent throws INVALID_INPUT', async () => {
    const { workflow } = await harness();
    const payload = { run: () => 'rm -rf /' };
    await expect(
      workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review', payload }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await workflow.listPending()).toEqual([]);
  });

  it('reject(id, approver, reason) with a blank reason throws INVALID_INPUT and leaves the request pending', async () => {
    const { workflow } = await harness();
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    await expectWardenError(() => workflow.reject(id, 'bob', '   '), 'INVALID_INPUT');
    expect(await workflow.getStatus(id)).toBe('pending');
  });
}
