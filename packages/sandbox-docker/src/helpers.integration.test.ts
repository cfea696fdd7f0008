import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ownedContainerIds, TEST_IMAGE, uniqueOwner } from '../test/docker-test-support.js';
import { createDockerClient } from './docker-client.js';
import {
  cleanupAllSandboxes,
  configureSandboxHelpers,
  createSandbox,
  destroySandbox,
  execInSandbox,
  getSandboxStatus,
  listSandboxes,
  sharedDockerSandbox,
} from './helpers.js';

describeWithService('docker', 'Function-style sandbox API (createSandbox, execInSandbox, …)', (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  const ownerId = uniqueOwner('helpers');

  beforeAll(async () => {
    await configureSandboxHelpers({ docker, image: TEST_IMAGE, ownerId });
  });

  afterAll(async () => {
    await sharedDockerSandbox().close();
  });

  it('createSandbox, execInSandbox, getSandboxStatus, listSandboxes and destroySandbox work together', async () => {
    const policy = {
      enabled: true,
      networkPolicy: 'none',
      maxMemoryMb: 256,
      maxCpuPercent: 25,
      maxPids: 50,
      timeoutMs: 60_000,
    } as const;
    const sandbox = await createSandbox('code-assistant', policy);
    expect(sandbox).toMatchObject({
      sessionName: 'code-assistant',
      status: 'running',
      config: { maxMemoryMb: 256, maxPids: 50 },
    });
    try {
      const result = await execInSandbox(sandbox.containerId, 'echo "$GREETING from $(pwd)"; exit 2', {
        timeout: 10_000,
        cwd: '/bin',
        env: { GREETING: 'hello' },
      });
      expect(result).toMatchObject({ stdout: 'hello from /bin\n', stderr: '', exitCode: 2 });
      expect(await getSandboxStatus(sandbox.containerId)).toMatchObject({
        sessionName: 'code-assistant',
        status: 'running',
      });
      expect((await listSandboxes()).map((instance) => instance.containerId)).toContain(sandbox.containerId);
    } finally {
      await destroySandbox(sandbox.containerId);
    }
    expect(await getSandboxStatus(sandbox.containerId)).toBeNull();
    await destroySandbox(sandbox.containerId);
  });

  it('execInSandbox(id, { timeout }) kills the command when the time is up', async () => {
    const { containerId } = await createSandbox('timeouts');
    expect(await execInSandbox(containerId, 'sleep 30', { timeout: 300 })).toMatchObject({
      timedOut: true,
      exitCode: 137,
    });
    await destroySandbox(containerId);
  });

  it('createSandbox(sessionName) with shell metacharacters never reaches a shell: INVALID_INPUT, nothing created', async () => {
    const before = await ownedContainerIds(docker, ownerId);
    for (const session of ['x; touch /tmp/pwned', '$(id)', '`id`', '../../etc', '', 'a b']) {
      await expect(createSandbox(session)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await ownedContainerIds(docker, ownerId)).toEqual(before);
  });

  it('execInSandbox(id, command) runs inside the container, never through a shell on the host', async () => {
    const marker = `/tmp/warden-host-marker-${randomBytes(6).toString('hex')}`;
    const { containerId } = await createSandbox('injection');
    const result = await execInSandbox(containerId, `hostname; touch ${marker}; echo "'; touch ${marker}; '"`);
    expect(result.stdout).toBe(`sandbox\n'; touch ${marker}; '\n`);
    expect(existsSync(marker)).toBe(false);
    await destroySandbox(containerId);
  });

  it('cleanupAllSandboxes() removes every sandbox of this owner', async () => {
    await Promise.all([createSandbox('one'), createSandbox('two')]);
    expect((await listSandboxes()).length).toBeGreaterThanOrEqual(2);
    await cleanupAllSandboxes();
    expect(await listSandboxes()).toEqual([]);
    expect(await ownedContainerIds(docker, ownerId)).toEqual([]);
  });
});
