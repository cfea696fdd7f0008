import { afterEach, describe, expect, it } from 'vitest';
import { createHostClient, createPeerKeys } from './host-client.js';
import { signPeerRequest } from './peer-signature.js';
import { PEER_FUTURE_SKEW_MS } from './replay-guard.js';
import { startTestHost, type TestHost } from './test-host.js';

describe('a discovered peer that writes its self-made key with text of its choosing', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('POST /sessions/code-runner/messages with "<key>APPROVED-BY-alice" as X-Peer-Key is ACCESS_DENIED and queues nothing', async () => {
    host = await startTestHost();
    const { running, client, actors } = host;
    const keys = createPeerKeys();
    const path = '/sessions/code-runner/messages';
    const body = JSON.stringify({ message: 'count files', tool: 'Bash', command: 'ls / | wc -l' });
    for (const [index, spelling] of [`${keys.publicKey}APPROVED-BY-alice`, `${keys.publicKey}\u009b2J`].entries()) {
      const headers = signPeerRequest(keys, { method: 'POST', path, body }, Date.now() + index);
      headers['X-Peer-Key'] = spelling;
      const response = await fetch(new URL(path, running.url), { method: 'POST', headers, body });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    }
    expect((await client.send(actors.operator, 'GET', '/approvals')).body).toEqual({ pending: [] });
    // The same key written as exported is a discovered peer like any other.
    const honest = await client.send({ kind: 'peer', name: 'honest', keys }, 'POST', path, JSON.parse(body));
    expect(honest.status).toBe(202);
    const listed = await client.send(actors.operator, 'GET', '/approvals');
    expect(listed.body.pending).toEqual([
      expect.objectContaining({ from: { type: 'p2p-discovery', trustLevel: 'untrusted', publicKey: keys.publicKey } }),
    ]);
  });
});

describe('a peer replaying a captured signed request to the host after it restarted', () => {
  let hosts: TestHost[] = [];
  afterEach(async () => {
    for (const started of hosts) await started.dispose();
    hosts = [];
  });

  it('POST /sessions/code-runner/messages sent again to a new host within the signature window is ACCESS_DENIED and queues nothing', async () => {
    const keys = createPeerKeys();
    const path = '/sessions/code-runner/messages';
    const body = JSON.stringify({ message: 'count files', tool: 'Bash', command: 'ls / | wc -l' });
    const first = await startTestHost();
    hosts.push(first);
    const headers = signPeerRequest(keys, { method: 'POST', path, body }, Date.now());
    const send = (host: TestHost) => fetch(new URL(path, host.running.url), { method: 'POST', headers, body });
    expect((await send(first)).status).toBe(202);
    await first.dispose();
    hosts = [];
    // The host comes back (a restart, a new process): its memory of used signatures is empty.
    const second = await startTestHost();
    hosts.push(second);
    const replay = await send(second);
    expect(replay.status).toBe(403);
    expect(await replay.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    expect((await second.client.send(second.actors.operator, 'GET', '/approvals')).body).toEqual({ pending: [] });
    // The same peer signing anew is served.
    const fresh = await second.client.send({ kind: 'peer', name: 'peer', keys }, 'POST', path, JSON.parse(body));
    expect(fresh.status).toBe(202);
  });

  it('POST /sessions/code-runner/messages signed a moment ahead of the host clock, used once, then sent to a new host started after it (a restart within the window) is ACCESS_DENIED and queues nothing', async () => {
    // One wall clock for both processes, moved by hand: the restart happens 100 ms later.
    let clock = Date.now();
    const now = () => clock;
    const keys = createPeerKeys();
    const path = '/sessions/code-runner/messages';
    const body = JSON.stringify({ message: 'count files', tool: 'Bash', command: 'ls / | wc -l' });
    const first = await startTestHost({ host: { now } });
    hosts.push(first);
    const headers = signPeerRequest(keys, { method: 'POST', path, body }, clock + PEER_FUTURE_SKEW_MS);
    const send = (host: TestHost) => fetch(new URL(path, host.running.url), { method: 'POST', headers, body });
    expect((await send(first)).status).toBe(202);
    await first.dispose();
    hosts = [];
    clock += 100;
    const second = await startTestHost({ host: { now } });
    hosts.push(second);
    const replay = await send(second);
    expect(replay.status).toBe(403);
    expect(await replay.json()).toMatchObject({ error: { code: 'ACCESS_DENIED' } });
    expect((await second.client.send(second.actors.operator, 'GET', '/approvals')).body).toEqual({ pending: [] });
    // The same peer signing anew, once the new host's clock is past its start and the skew, is served.
    clock += PEER_FUTURE_SKEW_MS;
    const peer = { kind: 'peer', name: 'peer', keys } as const;
    const fresh = await createHostClient(second.running.url, now).send(peer, 'POST', path, JSON.parse(body));
    expect(fresh.status).toBe(202);
  });
});
