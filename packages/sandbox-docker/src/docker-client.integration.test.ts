import { describeWithService } from '@warden/testing';
import { expect, it } from 'vitest';
import { createDockerClient, isDockerAvailable } from './docker-client.js';

describeWithService('docker', 'Docker engine', (dockerHost) => {
  it('answers version and ping through the project client', async () => {
    const docker = createDockerClient(dockerHost);
    expect(await isDockerAvailable(docker)).toBe(true);
    const version = await docker.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
  });
});
