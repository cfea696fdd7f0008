import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMountablePaths, dockerSocketPaths } from './paths.js';

describe('assertMountablePaths(constraints, dockerSockets)', () => {
  const sockets = dockerSocketPaths('unix:///srv/engine/docker.sock');
  let directory: string;
  let server: Server;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'warden-paths-'));
    symlinkSync('/var/run', join(directory, 'run-link'));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(directory, 'some.sock'), resolve));
  });

  afterAll(() => {
    server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['/var/run/docker.sock', 'the well-known socket'],
    ['/run', 'a directory containing a socket'],
    ['/srv/engine', "the directory of the engine's own socket"],
    ['/srv/engine/docker.sock/', 'the socket with a trailing slash'],
    ['/', 'the root'],
    ['/proc', '/proc'],
    ['/sys/fs/cgroup', 'a path under /sys'],
    ['/dev/sda', 'a device path'],
    ['/etc', '/etc'],
  ])('refuses %s (%s) with INVALID_INPUT', (path) => {
    expect(() => assertMountablePaths({ allowedPaths: [path] }, sockets)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses a symlink leading to a directory that contains the Docker socket', () => {
    expect(() => assertMountablePaths({ writablePaths: [join(directory, 'run-link')] }, sockets)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses any Unix socket', () => {
    expect(() => assertMountablePaths({ allowedPaths: [join(directory, 'some.sock')] }, sockets)).toThrow(
      /sockets are never mounted/,
    );
  });

  it('accepts an ordinary directory, naming nothing', () => {
    expect(() =>
      assertMountablePaths({ allowedPaths: [directory], writablePaths: ['/srv/data'] }, sockets),
    ).not.toThrow();
  });
});
