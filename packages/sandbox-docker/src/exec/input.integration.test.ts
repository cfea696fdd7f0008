import { randomBytes } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownedContainerIds, TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../docker-sandbox.js';

/** A real engine client whose createContainer drops HostConfig settings, like an engine that ignores them. */
function engineIgnoring(docker: Docker, settings: readonly string[]): Docker {
  return new Proxy(docker, {
    get(target, property, receiver) {
      if (property !== 'createContainer') return Reflect.get(target, property, receiver);
      return (spec: Docker.ContainerCreateOptions) => {
        const hostConfig: Record<string, unknown> = { ...spec.HostConfig };
        for (const setting of settings) delete hostConfig[setting];
        return target.createContainer({ ...spec, HostConfig: hostConfig });
      };
    },
  });
}

describeWithService('docker', 'Docker sandbox input, network policy and refusals', (dockerHost) => {
  const docker: Docker = createDockerClient(dockerHost);
  const ownerId = uniqueOwner('input');
  let sandbox: DockerSandbox;

  beforeAll(() => {
    sandbox = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function expectRefusedCreatingNothing(attempt: () => Promise<unknown>, code: string): Promise<void> {
    const before = await ownedContainerIds(docker, ownerId);
    await expect(attempt()).rejects.toMatchObject({ code });
    expect(await ownedContainerIds(docker, ownerId)).toEqual(before);
  }

  describe('escape attempts get INVALID_INPUT and create nothing', () => {
    it.each([
      ['shell metacharacters', 'x; docker rm -f $(docker ps -q)'],
      ['command substitution', '$(id)'],
      ['backticks', '`id`'],
      ['a path', '../../etc'],
      ['a space', 'a b'],
      ['a newline', 'a\nb'],
      ['a leading dash', '-rf'],
      ['a NUL byte', 'a\0b'],
    ])('createForSession(constraints, session with %s)', async (_label, session) => {
      await expectRefusedCreatingNothing(() => sandbox.createForSession({}, session), 'INVALID_INPUT');
    });

    it.each([
      ['an env key with "="', { env: { 'A=B': 'x' } }],
      ['an env key with NUL', { env: { 'A\0B': 'x' } }],
      ['an env value with NUL', { env: { A: 'x\0y' } }],
      ['a "../" allowed path', { allowedPaths: ['/tmp/../etc'] }],
      ['a "../" writable path', { writablePaths: ['/srv/../../root'] }],
      ['a relative path', { allowedPaths: ['etc'] }],
      ['maxMemoryMb: 1e12', { maxMemoryMb: 1e12 }],
      ['maxMemoryMb: -5', { maxMemoryMb: -5 }],
      ['maxMemoryMb above the engine memory', { maxMemoryMb: 1_048_576 }],
      ['maxCpuPercent above the engine CPUs', { maxCpuPercent: 12_800 }],
      ['maxPids: 1e6', { maxPids: 1_000_000 }],
      ['timeoutMs: Infinity', { timeoutMs: Number.POSITIVE_INFINITY }],
    ])('create(constraints with %s)', async (_label, constraints) => {
      await expectRefusedCreatingNothing(() => sandbox.create(constraints as never), 'INVALID_INPUT');
    });

    it('execute(id, command, options) with an env key containing "=" or NUL, or a "../" cwd, runs nothing', async () => {
      const { id } = await sandbox.create();
      for (const options of [{ env: { 'A=B': 'x' } }, { env: { 'A\0B': 'x' } }, { cwd: '/tmp/../etc' }]) {
        await expect(sandbox.execute(id, 'touch /tmp/ran', options as never)).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
      }
      expect((await sandbox.execute(id, 'test -e /tmp/ran')).exitCode).toBe(1);
      await sandbox.destroy(id);
    });
  });

  describe('credential-looking environment variables', () => {
    it('create({ env }) passes ordinary variables and drops *_TOKEN, *_SECRET, *_KEY, AWS_*', async () => {
      const env = { GITHUB_TOKEN: 'a', CLIENT_SECRET: 'b', MY_API_KEY: 'c', AWS_REGION: 'd', PLAIN_SETTING: 'kept' };
      const status = await sandbox.create({ env });
      expect(status.constraints.env).toEqual({ PLAIN_SETTING: 'kept' });
      const inspected = await docker.getContainer(status.id).inspect();
      expect(inspected.Config.Env.filter((entry) => /TOKEN|SECRET|KEY|AWS/.test(entry))).toEqual([]);
      expect((await sandbox.execute(status.id, 'env')).stdout).not.toMatch(
        /GITHUB_TOKEN|CLIENT_SECRET|MY_API_KEY|AWS_REGION/,
      );
      await sandbox.destroy(status.id);
    });

    it('createDockerSandbox({ allowCredentialEnv }) passes the listed names only', async () => {
      const allowing = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId,
        allowCredentialEnv: ['GITHUB_TOKEN'],
      });
      try {
        const { id } = await allowing.create({ env: { GITHUB_TOKEN: 'allowed', NPM_TOKEN: 'dropped' } });
        expect((await allowing.execute(id, 'echo "$GITHUB_TOKEN|$NPM_TOKEN"')).stdout).toBe('allowed|\n');
      } finally {
        await allowing.close();
      }
    });
  });

  describe('network policies', () => {
    const suffix = randomBytes(4).toString('hex');
    const internalNetwork = `warden-it-egress-${suffix}`;
    const openNetwork = `warden-it-open-${suffix}`;

    beforeAll(async () => {
      await docker.createNetwork({ Name: internalNetwork, Internal: true, Driver: 'bridge' });
      await docker.createNetwork({ Name: openNetwork, Internal: false, Driver: 'bridge' });
    });

    afterAll(async () => {
      for (const name of [internalNetwork, openNetwork])
        await docker
          .getNetwork(name)
          .remove()
          .catch(() => {});
    });

    it("create({ networkPolicy: 'egress-only' }) without an egress proxy throws CAPABILITY_UNSUPPORTED, never widening", async () => {
      await expectRefusedCreatingNothing(
        () => sandbox.create({ networkPolicy: 'egress-only' }),
        'CAPABILITY_UNSUPPORTED',
      );
    });

    it("create({ networkPolicy: 'egress-only' }) with a proxy on a non-internal network throws CAPABILITY_UNSUPPORTED", async () => {
      const leaky = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId,
        egressProxy: { network: openNetwork, url: 'http://proxy:3128' },
      });
      await expectRefusedCreatingNothing(
        () => leaky.create({ networkPolicy: 'egress-only' }),
        'CAPABILITY_UNSUPPORTED',
      );
      await leaky.close();
    });

    it("create({ networkPolicy: 'egress-only' }) with an egress proxy joins only its internal network and sets the proxy", async () => {
      const proxied = createDockerSandbox({
        docker,
        image: TEST_IMAGE,
        ownerId,
        egressProxy: { network: internalNetwork, url: 'http://egress-proxy:3128' },
      });
      try {
        const { id, constraints } = await proxied.create({ networkPolicy: 'egress-only' });
        expect(constraints.networkPolicy).toBe('egress-only');
        const inspected = await docker.getContainer(id).inspect();
        expect(inspected.HostConfig.NetworkMode).toBe(internalNetwork);
        expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual([internalNetwork]);
        expect((await proxied.execute(id, 'echo "$HTTPS_PROXY"')).stdout).toBe('http://egress-proxy:3128\n');
      } finally {
        await proxied.close();
      }
    });

    it("create({ networkPolicy: 'full' }) throws CAPABILITY_UNSUPPORTED when the engine has no such network", async () => {
      await expectRefusedCreatingNothing(() => sandbox.create({ networkPolicy: 'full' }), 'CAPABILITY_UNSUPPORTED');
    });

    it("create({ networkPolicy: 'full' }) uses settings.fullNetwork when it exists", async () => {
      const open = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId, fullNetwork: openNetwork });
      try {
        const { id } = await open.create({ networkPolicy: 'full' });
        expect((await docker.getContainer(id).inspect()).HostConfig.NetworkMode).toBe(openNetwork);
      } finally {
        await open.close();
      }
    });
  });

  describe('re-inspection after create', () => {
    it.each([['PidsLimit'], ['Memory', 'MemorySwap'], ['CapDrop'], ['ReadonlyRootfs'], ['Init'], ['Ulimits']])(
      'create() throws SANDBOX_HARDENING_FAILED and removes the container when the engine ignored %s',
      async (setting, ...alsoIgnored) => {
        const ignored = [setting, ...alsoIgnored];
        const tampered = createDockerSandbox({ docker: engineIgnoring(docker, ignored), image: TEST_IMAGE, ownerId });
        const before = await ownedContainerIds(docker, ownerId);
        const error = await tampered.create().catch((caught: unknown) => caught);
        expect(error).toMatchObject({ code: 'SANDBOX_HARDENING_FAILED' });
        expect((error as { failures: string[] }).failures.join('\n')).toContain(
          setting === 'Ulimits' ? 'nofile' : setting,
        );
        expect(await ownedContainerIds(docker, ownerId)).toEqual(before);
        await tampered.close();
      },
    );
  });

  describe('read-only and writable bind mounts', () => {
    it('create({ allowedPaths, writablePaths }) mounts them read-only and read-write at the same path', async () => {
      const { mkdtemp, writeFile, readFile, chmod, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const readable = await mkdtemp(`${tmpdir()}/warden-ro-`);
      const writable = await mkdtemp(`${tmpdir()}/warden-rw-`);
      await writeFile(`${readable}/input.txt`, 'from host\n');
      await chmod(readable, 0o755);
      await chmod(writable, 0o777);
      const { id } = await sandbox.create({ allowedPaths: [readable], writablePaths: [writable] });
      expect((await sandbox.execute(id, ['cat', `${readable}/input.txt`])).stdout).toBe('from host\n');
      expect((await sandbox.execute(id, ['touch', `${readable}/nope`])).exitCode).not.toBe(0);
      expect((await sandbox.execute(id, ['sh', '-c', `echo out > ${writable}/output.txt`])).exitCode).toBe(0);
      expect(await readFile(`${writable}/output.txt`, 'utf8')).toBe('out\n');
      await sandbox.destroy(id);
      await Promise.all([rm(readable, { recursive: true }), rm(writable, { recursive: true })]);
    });
  });
});
