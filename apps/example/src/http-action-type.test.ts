import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOST_POLICY } from './default-policy.js';
import { startTestHost, type TestHost } from './test-host.js';

/** The default policy with `p2p-gateway` forwarding messages only (with or without approval). */
function messageOnlyPolicy(requireApproval: boolean) {
  const policy = structuredClone(DEFAULT_HOST_POLICY);
  const gateway = policy.sessions?.['p2p-gateway']?.gateway;
  if (gateway) Object.assign(gateway, { allowActions: ['message'], requireApproval });
  return policy;
}

const bashLabelledMessage = {
  message: 'just chatting',
  tool: 'Bash',
  command: 'cat /etc/passwd',
  actionType: 'message',
};

describe('the action type a gateway checks, against a discovered peer who mislabels a Bash run', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('a Bash run labelled "message" does not pass a message-only gateway, and nothing runs', async () => {
    host = await startTestHost({ sections: { security: messageOnlyPolicy(false) } });
    const { client, actors, running, events } = host;
    const mislabelled = await client.send(
      actors.discoveredPeer,
      'POST',
      '/sessions/code-runner/messages',
      bashLabelledMessage,
    );
    expect(mislabelled.status).toBe(400);
    expect(mislabelled.body.error).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: 'actionType' }] });
    const unlabelled = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
      message: 'run it',
      tool: 'Bash',
      command: 'id',
    });
    expect(unlabelled.status).toBe(403);
    expect(unlabelled.body.error).toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('action type run'),
    });
    expect(await running.host.context.backends.sandbox.list()).toEqual([]);
    expect(events.filter((event) => event.type === 'sandbox_created')).toEqual([]);
    const chat = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
      message: 'hello',
      actionType: 'message',
    });
    expect(chat.body).toMatchObject({ status: 'completed', route: 'gateway' });
  });

  it('a mislabelled Bash run is not queued for approval as a message either', async () => {
    host = await startTestHost({ sections: { security: messageOnlyPolicy(true) } });
    const { client, actors, running } = host;
    const mislabelled = await client.send(
      actors.discoveredPeer,
      'POST',
      '/sessions/code-runner/messages',
      bashLabelledMessage,
    );
    expect(mislabelled.status).toBe(400);
    expect(await running.host.context.backends.workflow.listPending()).toEqual([]);
    const queued = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
      message: 'hi',
    });
    expect(queued.status).toBe(202);
    const pending = await client.send(actors.operator, 'GET', '/approvals');
    expect(pending.body.pending).toEqual([expect.objectContaining({ actionType: 'message' })]);
  });

  it('a claim that matches what will run is accepted; any other claim is refused', async () => {
    host = await startTestHost();
    const { client, actors } = host;
    const run = { message: 'run', tool: 'Bash', command: 'id' };
    expect(
      (
        await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
          ...run,
          actionType: 'run',
        })
      ).status,
    ).toBe(202);
    for (const actionType of ['deploy', 'message', 'run.safe']) {
      const refused = await client.send(actors.discoveredPeer, 'POST', '/sessions/code-runner/messages', {
        ...run,
        actionType,
      });
      expect(refused.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });
});
