import { describe, expect, it } from 'vitest';
import { createDockerClient, isDockerAvailable } from './docker-client.js';

type ModemSettings = { socketPath?: string; host?: string; port?: number };

describe('createDockerClient(dockerHost)', () => {
  it('uses the socket path of a unix:// DOCKER_HOST', () => {
    const docker = createDockerClient('unix:///tmp/example/docker.sock');
    expect((docker.modem as ModemSettings).socketPath).toBe('/tmp/example/docker.sock');
  });

  it('uses host and port of a tcp:// DOCKER_HOST', () => {
    const docker = createDockerClient('tcp://127.0.0.1:2376');
    expect((docker.modem as ModemSettings).host).toBe('127.0.0.1');
    expect((docker.modem as ModemSettings).port).toBe(2376);
  });
});

describe('isDockerAvailable(docker)', () => {
  it('answers false, without throwing, when nothing listens on the socket', async () => {
    expect(await isDockerAvailable(createDockerClient('unix:///tmp/warden-no-such-dir/docker.sock'))).toBe(false);
  });
});
