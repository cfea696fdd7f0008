import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApprovalWorkflow } from '@warden/approvals';
import { createInjectionSource, createSecurityEngine, setDefaultSecurityEngine } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CONFIG } from '../test/gateway-fixture.js';
import {
  approveAndExecute,
  canForwardTo,
  configureDefaultGateway,
  forwardRequest,
  getPendingRequests,
  isGateway,
  queueForApproval,
  rejectRequest,
  setDefaultGateway,
} from './default-gateway.js';

const peer = createInjectionSource('p2p', { identity: { publicKey: 'MCowPeer' } });

describe('the default gateway', () => {
  afterEach(() => {
    setDefaultGateway(undefined);
    setDefaultSecurityEngine(undefined);
  });

  it('follows the default security engine, even when it is replaced', () => {
    setDefaultSecurityEngine(createSecurityEngine({ config: TEST_CONFIG }));
    expect(isGateway('p2p-gateway')).toBe(true);
    expect(canForwardTo('p2p-gateway', 'code-assistant')).toBe(true);
    setDefaultSecurityEngine(createSecurityEngine());
    expect(isGateway('p2p-gateway')).toBe(false);
  });

  it('refuses requests that need approval until a workflow is configured', async () => {
    setDefaultSecurityEngine(createSecurityEngine({ config: TEST_CONFIG }));
    const refused = await forwardRequest('approval-gateway', 'code-assistant', 'x', peer);
    expect(refused).toMatchObject({ success: false, error: expect.stringContaining('no approval workflow') });
    expect(await getPendingRequests()).toEqual([]);
  });

  it('runs the seed functions once configured with a workflow and an inject function', async () => {
    setDefaultSecurityEngine(createSecurityEngine({ config: TEST_CONFIG }));
    const delivered: string[] = [];
    let time = Date.UTC(2026, 0, 1);
    configureDefaultGateway({
      workflow: createApprovalWorkflow(),
      inject: (_target, message) => delivered.push(message),
      now: () => time,
    });
    const request = { gatewaySession: 'approval-gateway', targetSession: 'code-assistant', originalSource: peer };
    const first = await queueForApproval({ ...request, message: 'one' });
    // The gateway allows one request a minute, counted when queued: the second is refused, typed.
    await expect(queueForApproval({ ...request, message: 'two' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    time += 60_000;
    const second = await queueForApproval({ ...request, message: 'two' });
    expect((await getPendingRequests('approval-gateway')).map((pending) => pending.id)).toEqual([first.id, second.id]);
    expect(await rejectRequest(second.id, 'bob', 'no')).toMatchObject({ status: 'rejected', reason: 'no' });
    expect((await approveAndExecute(first.id, 'bob')).success).toBe(true);
    expect(delivered).toEqual(['one']);
    expect(await getPendingRequests()).toEqual([]);
  });
});

describe('importing @warden/gateway', () => {
  it('starts no timers and installs no signal handlers (WOPR did both on import)', () => {
    const script = `
      const listeners = () => ['SIGINT', 'SIGTERM', 'exit', 'beforeExit'].map((name) => process.listenerCount(name));
      const before = { listeners: listeners(), resources: process.getActiveResourcesInfo() };
      const gateway = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const after = { listeners: listeners(), resources: process.getActiveResourcesInfo() };
      console.log(JSON.stringify({ before, after, exports: Object.keys(gateway).length }));
    `;
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', '--input-type=module', '--eval', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    const { before, after, exports } = JSON.parse(output.trim().split('\n').pop() ?? '{}');
    expect(exports).toBeGreaterThan(10);
    expect(after.listeners).toEqual(before.listeners);
    const count = (list: string[], type: string) => list.filter((entry) => entry === type).length;
    for (const type of ['Timeout', 'Immediate', 'TCPWRAP', 'FSEVENTWRAP']) {
      expect(count(after.resources, type), type).toBeLessThanOrEqual(count(before.resources, type));
    }
  });
});
