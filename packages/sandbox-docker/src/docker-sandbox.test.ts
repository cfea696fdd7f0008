import { assertSpecification } from '@warden/core';
import { describe, expect, it, vi } from 'vitest';
import { createDockerSandbox } from './docker-sandbox.js';

// Nothing listens here: any call that reached the engine would fail with BACKEND_UNAVAILABLE.
const unreachable = { dockerHost: 'unix:///tmp/warden-no-such-dir/docker.sock' };

describe('createDockerSandbox(config)', () => {
  it('is synchronous, opens no connection and implements sandbox-v1', () => {
    const sandbox = createDockerSandbox(unreachable);
    expect(assertSpecification(sandbox, 'sandbox-v1', 'sandbox')).toBe(sandbox);
    expect(sandbox.providerId).toBe('docker');
  });

  it('create(constraints) with invalid constraints throws INVALID_INPUT before contacting the engine', async () => {
    const sandbox = createDockerSandbox(unreachable);
    await expect(sandbox.create({ maxMemoryMb: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(sandbox.createForSession({}, 'a;b')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('execute(id) and getStatus(id) of an id it did not create throw SANDBOX_NOT_FOUND without contacting the engine', async () => {
    const sandbox = createDockerSandbox(unreachable);
    await expect(sandbox.execute('abc123', 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(sandbox.getStatus('abc123')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
  });

  it('create() against an unreachable engine throws BACKEND_UNAVAILABLE', async () => {
    await expect(createDockerSandbox(unreachable).create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('after close(), create() throws BACKEND_UNAVAILABLE', async () => {
    const sandbox = createDockerSandbox(unreachable);
    await sandbox.close();
    await expect(sandbox.create()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

describe('importing @warden/sandbox-docker', () => {
  it('starts no timer, opens no handle and installs no signal or exit handler', async () => {
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException'] as const;
    const listenersBefore = events.map((event) => process.listenerCount(event));
    const resourcesBefore = process.getActiveResourcesInfo().length;
    vi.resetModules();
    const module: Record<string, unknown> = await import('./index.js');
    expect(typeof module.createDockerSandbox).toBe('function');
    expect(events.map((event) => process.listenerCount(event))).toEqual(listenersBefore);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(resourcesBefore);
  });
});
