import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeWithService } from '@warden/testing';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, ownedContainerIds, TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../docker-sandbox.js';
import { SANDBOX_LABELS } from './labels.js';

const run = promisify(execFile);

/** Runs a fixture in a child Node.js process (argv array, no shell) and returns its stdout. */
async function runFixture(name: string, args: string[], dockerHost: string): Promise<string> {
  const fixture = fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', fixture, ...args],
      {
        env: { ...process.env, DOCKER_HOST: dockerHost },
        timeout: 60_000,
      },
    );
    return stdout;
  } catch (error) {
    // The crash fixture dies by SIGKILL on purpose; its stdout is still the answer.
    const { stdout, signal } = error as { stdout?: string; signal?: string };
    if (signal === 'SIGKILL' && stdout) return stdout;
    throw error;
  }
}

describeWithService('docker', 'Docker sandbox lifecycle', (dockerHost) => {
  const docker: Docker = createDockerClient(dockerHost);
  const opened: DockerSandbox[] = [];
  const strays: string[] = [];

  function open(settings: Parameters<typeof createDockerSandbox>[0] = {}): DockerSandbox {
    const sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('lifecycle'), ...settings });
    opened.push(sandbox);
    return sandbox;
  }

  /** A container made without the adapter (unlabelled, or with another owner's labels). */
  async function strayContainer(labels: Record<string, string>, start: boolean): Promise<string> {
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      Labels: labels,
      HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} } },
    });
    strays.push(container.id);
    if (start) await container.start();
    return container.id;
  }

  async function exists(id: string): Promise<boolean> {
    return docker
      .getContainer(id)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((sandbox) => sandbox.close()));
    await Promise.all(
      strays.splice(0).map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  });

  it('create() labels the container with owner, session, created-at, config hash and constraints without env values', async () => {
    const ownerId = uniqueOwner('labels');
    const sandbox = open({ ownerId, now: () => Date.parse('2030-01-02T03:04:05.000Z') });
    const status = await sandbox.createForSession(
      { env: { WARDEN_VISIBLE: 'secret-value' }, maxPids: 40 },
      'review-42',
    );
    const labels = (await docker.getContainer(status.id).inspect()).Config.Labels;
    expect(labels).toMatchObject({
      [SANDBOX_LABELS.sandbox]: '1',
      [SANDBOX_LABELS.owner]: ownerId,
      [SANDBOX_LABELS.session]: 'review-42',
      [SANDBOX_LABELS.createdAt]: '2030-01-02T03:04:05.000Z',
    });
    expect(labels[SANDBOX_LABELS.configHash]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(labels[SANDBOX_LABELS.constraints] ?? '')).toMatchObject({
      maxPids: 40,
      env: { WARDEN_VISIBLE: '' },
    });
    expect(JSON.stringify(labels)).not.toContain('secret-value');
    expect(status.createdAt).toBe('2030-01-02T03:04:05.000Z');
  });

  it('getStatus(id) reports error once the container died outside Warden; destroy(id) still resolves', async () => {
    const sandbox = open();
    const { id } = await sandbox.create();
    await docker.getContainer(id).kill();
    expect(await eventually(async () => (await sandbox.getStatus(id)).state === 'error')).toBe(true);
    await expect(sandbox.execute(id, 'true')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await sandbox.destroy(id);
    expect(await exists(id)).toBe(false);
  });

  it("the startup sweep removes a crashed process's sandboxes and nothing unlabelled or owned by another", async () => {
    const ownerId = uniqueOwner('sweep');
    const unlabelled = await strayContainer({}, false);
    const foreign = await strayContainer(
      { [SANDBOX_LABELS.sandbox]: '1', [SANDBOX_LABELS.owner]: uniqueOwner('other') },
      false,
    );
    const orphan = (await runFixture('crash-after-create.ts', [ownerId, TEST_IMAGE], dockerHost)).trim();
    expect(orphan).toMatch(/^[0-9a-f]{64}$/);
    // The dead owner's attached stdin closed, so its supervisor exited and the container stopped.
    const stopped = await eventually(async () => !(await docker.getContainer(orphan).inspect()).State.Running);
    expect(stopped).toBe(true);

    // Never started: an old one is an orphan, a fresh one may be another instance's create in progress.
    const ownLabels = (createdAt: string) => ({
      [SANDBOX_LABELS.sandbox]: '1',
      [SANDBOX_LABELS.owner]: ownerId,
      [SANDBOX_LABELS.createdAt]: createdAt,
    });
    const staleCreate = await strayContainer(ownLabels('2020-01-01T00:00:00.000Z'), false);
    const freshCreate = await strayContainer(ownLabels(new Date().toISOString()), false);

    const sandbox = open({ ownerId });
    const { id } = await sandbox.create();
    expect(await exists(orphan)).toBe(false);
    expect(await exists(staleCreate)).toBe(false);
    expect(await exists(freshCreate)).toBe(true);
    expect(await exists(unlabelled)).toBe(true);
    expect(await exists(foreign)).toBe(true);
    expect(await ownedContainerIds(docker, ownerId)).toEqual([id, freshCreate].sort());
  });

  it("destroy(id) of an unknown id, of another owner's container or of a path-like id resolves and removes nothing", async () => {
    const sandbox = open();
    const foreign = await strayContainer(
      { [SANDBOX_LABELS.sandbox]: '1', [SANDBOX_LABELS.owner]: uniqueOwner('other') },
      true,
    );
    const unlabelled = await strayContainer({}, true);
    for (const id of [foreign, unlabelled, '../images/warden-sandbox:test', 'no-such-container-0123']) {
      await expect(sandbox.destroy(id)).resolves.toBeUndefined();
    }
    expect(await exists(foreign)).toBe(true);
    expect(await exists(unlabelled)).toBe(true);
    expect(await docker.getImage(TEST_IMAGE).inspect()).toBeTruthy();
  });

  it('cleanupAll() removes every container of this owner, running or not, and leaves other owners alone', async () => {
    const ownerId = uniqueOwner('cleanup');
    const sandbox = open({ ownerId });
    await Promise.all([sandbox.create(), sandbox.create()]);
    const sameOwner = await strayContainer({ [SANDBOX_LABELS.sandbox]: '1', [SANDBOX_LABELS.owner]: ownerId }, true);
    const foreign = await strayContainer(
      { [SANDBOX_LABELS.sandbox]: '1', [SANDBOX_LABELS.owner]: uniqueOwner('other') },
      true,
    );
    expect(await ownedContainerIds(docker, ownerId)).toHaveLength(3);

    const removed = await sandbox.cleanupAll();
    expect(removed).toContain(sameOwner);
    expect(await ownedContainerIds(docker, ownerId)).toEqual([]);
    expect(await sandbox.list()).toEqual([]);
    expect(await exists(foreign)).toBe(true);
  });

  it('20 sandboxes are created, run a command and are destroyed in parallel', async () => {
    const ownerId = uniqueOwner('twenty');
    const sandbox = open({ ownerId });
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => sandbox.create({ maxMemoryMb: 32, maxPids: 16 })),
    );
    expect(new Set(statuses.map((status) => status.id)).size).toBe(20);
    const results = await Promise.all(
      statuses.map((status, index) => sandbox.execute(status.id, ['echo', `n${index}`])),
    );
    expect(results).toEqual(results.map((_, index) => expect.objectContaining({ stdout: `n${index}\n`, exitCode: 0 })));
    await Promise.all(statuses.map((status) => sandbox.destroy(status.id)));
    expect(await sandbox.list()).toEqual([]);
    expect(await ownedContainerIds(docker, ownerId)).toEqual([]);
  });

  describe('warm pool', () => {
    it('create() hands out a sandbox started before the call and the pool refills in the background', async () => {
      const ownerId = uniqueOwner('pool');
      const sandbox = open({ ownerId, pool: { size: 2 } });
      await sandbox.warmUp();
      const pooled = await ownedContainerIds(docker, ownerId);
      expect(pooled).toHaveLength(2);

      const status = await sandbox.create();
      expect(pooled).toContain(status.id);
      expect(await sandbox.execute(status.id, 'echo pooled')).toMatchObject({ stdout: 'pooled\n' });
      expect(await eventually(async () => (await ownedContainerIds(docker, ownerId)).length === 3)).toBe(true);

      // Other constraints need another container: never a pooled one with the wrong limits.
      const custom = await sandbox.create({ maxMemoryMb: 100 });
      expect(pooled).not.toContain(custom.id);
      expect((await docker.getContainer(custom.id).inspect()).HostConfig.Memory).toBe(100 * 1024 * 1024);

      await sandbox.close();
      expect(await ownedContainerIds(docker, ownerId)).toEqual([]);
    });

    it('close() leaves nothing that keeps the process alive: a process using the pool exits on its own', async () => {
      const ownerId = uniqueOwner('pool-exit');
      expect((await runFixture('pool-then-close.ts', [ownerId, TEST_IMAGE], dockerHost)).trim()).toBe('pooled');
      expect(await ownedContainerIds(docker, ownerId)).toEqual([]);
    });
  });
});
