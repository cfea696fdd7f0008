import { randomBytes } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox } from '../docker-sandbox.js';
import { buildSandboxImage, isSandboxImageAvailable } from './build.js';

describeWithService('docker', 'Sandbox image builds through the Engine API', (dockerHost) => {
  const docker: Docker = createDockerClient(dockerHost);
  const suffix = randomBytes(4).toString('hex');
  const built: string[] = [];
  const tag = (name: string): string => {
    const reference = `warden-sandbox-it:${name}-${suffix}`;
    built.push(reference);
    return reference;
  };

  afterAll(async () => {
    for (const reference of built.reverse())
      await docker
        .getImage(reference)
        .remove({ force: true })
        .catch(() => {});
  });

  it('buildSandboxImage() builds the FROM-scratch busybox recipe that a sandbox then runs, with no registry', async () => {
    const reference = tag('default');
    expect(await isSandboxImageAvailable(reference, docker)).toBe(false);
    const image = await buildSandboxImage({ docker, tag: reference });
    expect(image).toMatchObject({ tag: reference, id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(await isSandboxImageAvailable(reference, docker)).toBe(true);
    const inspected = await docker.getImage(reference).inspect();
    expect(inspected.Config.User).toBe('65534:65534');

    const sandbox = createDockerSandbox({ docker, image: reference, ownerId: uniqueOwner('image') });
    try {
      const { id } = await sandbox.create();
      expect(await sandbox.execute(id, 'id -un; stat -c %a /tmp')).toMatchObject({
        stdout: 'nobody\n1777\n',
        exitCode: 0,
      });
    } finally {
      await sandbox.close();
    }
  });

  it('buildSandboxImage({ baseImage }) builds on a given image', async () => {
    const reference = tag('based');
    await buildSandboxImage({ docker, tag: reference, baseImage: TEST_IMAGE });
    const inspected = await docker.getImage(reference).inspect();
    expect(inspected.Config.Labels?.['dev.warden.image']).toBe('1');
  });

  it('buildSandboxImage({ dockerfile, files }) builds a caller-written Dockerfile with its context files', async () => {
    const reference = tag('custom');
    await buildSandboxImage({
      docker,
      tag: reference,
      dockerfile: `FROM ${TEST_IMAGE}\nCOPY greeting.txt /etc/greeting.txt\n`,
      files: { 'greeting.txt': 'hello from the context\n' },
    });
    const sandbox = createDockerSandbox({ docker, image: reference, ownerId: uniqueOwner('image') });
    try {
      const { id } = await sandbox.create();
      expect((await sandbox.execute(id, ['cat', '/etc/greeting.txt'])).stdout).toBe('hello from the context\n');
    } finally {
      await sandbox.close();
    }
  });

  describe('refusals', () => {
    it('isSandboxImageAvailable(reference) answers false for a reference that is not an image name', async () => {
      expect(await isSandboxImageAvailable(TEST_IMAGE, docker)).toBe(true);
      expect(await isSandboxImageAvailable(`../images/${TEST_IMAGE}`, docker)).toBe(false);
    });

    it('buildSandboxImage({ dockerfile }) that fails to build throws BACKEND_UNAVAILABLE with the engine message', async () => {
      await expect(
        buildSandboxImage({ docker, tag: tag('broken'), dockerfile: `FROM ${TEST_IMAGE}\nRUN ["/bin/false"]\n` }),
      ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/non-zero code/) });
    });

    it.each([
      ['a context path with ".."', { files: { '../escape': 'x' }, dockerfile: 'FROM scratch\n' }],
      // The engine extracts the context in order: a file spelt "./Dockerfile" replaced the
      // caller's Dockerfile (context files may come from the code being sandboxed). Each would
      // build: only the refusal makes these throw.
      ...['./Dockerfile', './/Dockerfile', 'a//b'].map((name): [string, object] => [
        `a context path "${name}"`,
        { tag: tag('refused'), files: { [name]: `FROM ${TEST_IMAGE}\n` }, dockerfile: `FROM ${TEST_IMAGE}\n` },
      ]),
      ['both dockerfile and baseImage', { dockerfile: 'FROM scratch\n', baseImage: 'busybox' }],
      ['a tag with shell metacharacters', { tag: 'x;rm -rf /' }],
      ['a tag with ".."', { tag: 'a/../../containers/x' }],
      ['a busybox path that does not exist', { busyboxPath: '/no/such/busybox' }],
    ])('buildSandboxImage(%s) throws INVALID_INPUT', async (_label, options) => {
      await expect(buildSandboxImage({ docker, ...(options as object) })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });
});
