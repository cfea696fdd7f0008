import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineTreeRefusal, findEngineSockets, findMountChanges, listBoundSockets, resolveMounts } from './paths.js';

describe('resolveMounts(constraints, sockets, symlinkRoots), attacked by whoever can plant a path', () => {
  let directory: string;
  let engineSocket: string;
  let server: Server;
  let engine: Server;
  let shim: Server;
  const refused = (
    path: string,
    sockets = findEngineSockets(undefined, `unix://${engineSocket}`),
    roots: string[] = [],
  ) =>
    expect(() => resolveMounts({ allowedPaths: [path] }, sockets, roots)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );

  beforeAll(async () => {
    directory = realpathSync(mkdtempSync(join(tmpdir(), 'warden-paths-')));
    mkdirSync(join(directory, 'engine'));
    mkdirSync(join(directory, 'ws'));
    mkdirSync(join(directory, 'data'));
    writeFileSync(join(directory, 'data', 'file'), 'x');
    engineSocket = join(directory, 'engine', 'docker.sock');
    symlinkSync('/var/run', join(directory, 'run-link'));
    server = createServer();
    engine = createServer();
    await new Promise<void>((resolve) => server.listen(join(directory, 'host-service.sock'), resolve));
    await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
    // Like containerd's state directory: a socket bound a few levels down.
    mkdirSync(join(directory, 'state', 'shim', 'moby'), { recursive: true });
    shim = createServer();
    await new Promise<void>((resolve) => shim.listen(join(directory, 'state', 'shim', 'moby', 'abc.sock'), resolve));
    // What agent code in an earlier sandbox with a writable path plants: `ln -s <socket> ws/cache`.
    symlinkSync(join(directory, 'host-service.sock'), join(directory, 'ws', 'cache'));
    symlinkSync(engineSocket, join(directory, 'ws', 'engine'));
    symlinkSync(join(directory, 'data'), join(directory, 'ws', 'data-link'));
  });

  afterAll(() => {
    server.close();
    engine.close();
    shim.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['/var/run/docker.sock', 'the well-known socket'],
    ['/', 'the root'],
    ['/proc', '/proc'],
    ['/sys/fs/cgroup', 'a path under /sys'],
    ['/dev/null', 'a device'],
    ['/etc', '/etc'],
    ['/does/not/exist', 'a path that does not exist here'],
  ])('refuses %s (%s) with INVALID_INPUT', (path) => {
    refused(path);
  });

  it('refuses a symlink to a host socket planted by an earlier sandbox (attack 1)', () => {
    refused(join(directory, 'ws', 'cache'));
    // Even where symlinks are allowed, what it resolves to is a socket.
    refused(join(directory, 'ws', 'cache'), undefined, [directory]);
  });

  it('refuses a Unix socket named directly and a directory containing the engine socket', () => {
    refused(join(directory, 'host-service.sock'));
    refused(join(directory, 'engine'));
  });

  it('recognises the engine socket by device and inode from an injected client, DOCKER_HOST unset', () => {
    const previous = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      const docker = { modem: { socketPath: join(directory, 'ws', 'engine') } } as unknown as Docker;
      const sockets = findEngineSockets(docker, undefined);
      expect([...sockets.identities].length).toBeGreaterThan(0);
      refused(engineSocket, sockets, [directory]);
      refused(join(directory, 'engine'), sockets, [directory]);
    } finally {
      if (previous !== undefined) process.env.DOCKER_HOST = previous;
    }
  });

  it.each([
    (socket: string) => `unix://${socket.replace('/engine/', '//engine/')}`,
    (socket: string) => `UNIX://${socket}`,
    (socket: string) => `unix:${socket}`,
  ])('recognises the engine socket from DOCKER_HOST in any spelling (%#)', (spell) => {
    const sockets = findEngineSockets(undefined, spell(engineSocket));
    refused(join(directory, 'engine'), sockets, [directory]);
  });

  it.each([
    '/var/lib/docker/volumes/data/_data',
    '/var/lib/docker/overlay2/abc/merged',
    '/var/lib/containerd/io.containerd.content.v1.content',
    '/run/containerd/io.containerd.runtime.v2.task/moby/abc/rootfs',
    '/run/containerd/s',
    '/var/run/containerd/containerd.sock.ttrpc',
    '/run/docker/plugins',
    '/var/run/docker/runtime-runc/moby',
    '/run/docker.sock',
    '/run/docker.pid',
    '/var/run/dockerd-extra',
    '/run/runc/abc',
    '/etc/docker/certs.d',
    '/var/lib',
    '/var',
    '/run',
    '/var/run',
  ])(
    "engineTreeRefusal(%s): the engine's and its runtimes' trees, what lies inside them and what contains them are refused",
    (path) => {
      expect(engineTreeRefusal(path)).toMatch(/never mounted/);
    },
  );

  it.each(['/srv/data', '/var/tmp/work', '/run/user/1000', '/home/agent/docker', '/var/lib/app', '/tmp/run/docker'])(
    "engineTreeRefusal(%s): an ordinary path is none of the engine's",
    (path) => {
      expect(engineTreeRefusal(path)).toBeUndefined();
    },
  );

  it.each(['/var/lib', '/var', '/run', '/run/containerd', '/run/containerd/s', '/run/docker', '/run/docker/plugins'])(
    'resolveMounts refuses %s, in or above the engine trees, when this host has it',
    (path) => {
      if (!existsSync(path)) return;
      const sockets = findEngineSockets(undefined, undefined);
      // symlinkRoots "/" lets a symlinked spelling reach the place check itself.
      for (const field of ['allowedPaths', 'writablePaths'] as const) {
        expect(() => resolveMounts({ [field]: [path] }, sockets, ['/'])).toThrow(
          expect.objectContaining({
            code: 'INVALID_INPUT',
            message: expect.stringMatching(/never mounted|engine socket/),
          }),
        );
      }
    },
  );

  it("refuses the engine's own data root (a --data-root anywhere), what lies in it and what contains it", () => {
    const sockets = findEngineSockets(undefined, undefined);
    const dataRoot = join(directory, 'data');
    for (const path of [dataRoot, join(dataRoot, 'file'), directory]) {
      expect(() => resolveMounts({ allowedPaths: [path] }, sockets, [], [dataRoot])).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
    expect(resolveMounts({ allowedPaths: [join(directory, 'ws')] }, sockets, [], [dataRoot])).toHaveLength(1);
  });

  it("refuses a directory holding a bound Unix socket (as containerd's state does), and every directory above it", () => {
    const shimSocket = join(directory, 'state', 'shim', 'moby', 'abc.sock');
    expect(listBoundSockets()).toContain(shimSocket);
    const sockets = findEngineSockets(undefined, undefined);
    for (const path of [join(directory, 'state'), join(directory, 'state', 'shim'), dirname(shimSocket)]) {
      expect(() => resolveMounts({ writablePaths: [path] }, sockets, [])).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(shimSocket) }),
      );
      expect(() => resolveMounts({ allowedPaths: [path] }, sockets, [])).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
    // A sibling directory without a socket is still mounted.
    expect(resolveMounts({ allowedPaths: [join(directory, 'data')] }, sockets, [])).toHaveLength(1);
  });

  it("refuses the directories of this host's bound containerd sockets (its own and the engine's), when it has them", () => {
    const sockets = findEngineSockets(undefined, undefined);
    for (const socket of listBoundSockets().filter((path) => /containerd/.test(path) && existsSync(path))) {
      expect(() => resolveMounts({ allowedPaths: [dirname(socket)] }, sockets, ['/'])).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
  });

  it('refuses a path through a symlink by default, and binds the resolved path inside symlinkRoots', () => {
    const link = join(directory, 'ws', 'data-link');
    refused(link);
    const [mount] = resolveMounts({ writablePaths: [link] }, findEngineSockets(undefined, undefined), [directory]);
    expect(mount).toMatchObject({ target: link, source: join(directory, 'data'), readOnly: false });
  });

  it('refuses a path below a directory the sandbox user can write: code there could swap a link in while the engine binds it', () => {
    const sockets = findEngineSockets(undefined, `unix://${engineSocket}`);
    // A writable path handed to an earlier sandbox: world-writable, as the sandbox user needs it.
    const shared = join(directory, 'shared');
    mkdirSync(join(shared, 'out'), { recursive: true });
    chmodSync(shared, 0o777);
    refused(join(shared, 'out'));
    expect(() => resolveMounts({ writablePaths: [join(shared, 'out')] }, sockets, [])).toThrow(/replace/);
    // The writable directory itself is fine: only root and this process may replace its entry.
    expect(resolveMounts({ writablePaths: [shared] }, sockets, [])).toHaveLength(1);
    // Sticky (like /tmp): an entry that belongs to this process cannot be replaced by others.
    const sticky = join(directory, 'sticky');
    mkdirSync(join(sticky, 'mine'), { recursive: true });
    chmodSync(sticky, 0o1777);
    expect(resolveMounts({ allowedPaths: [join(sticky, 'mine')] }, sockets, [])).toHaveLength(1);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'refuses a path below a directory, or a sticky entry, that belongs to the sandbox user (65534)',
    () => {
      const owned = join(directory, 'owned');
      mkdirSync(join(owned, 'data'), { recursive: true });
      chownSync(owned, 65534, 65534);
      refused(join(owned, 'data'));
      const sticky = join(directory, 'sticky-theirs');
      mkdirSync(join(sticky, 'theirs'), { recursive: true });
      chmodSync(sticky, 0o1777);
      chownSync(join(sticky, 'theirs'), 65534, 65534);
      refused(join(sticky, 'theirs'));
    },
  );

  it('accepts an ordinary directory and file, and findMountChanges sees one swapped for a link afterwards', () => {
    const data = join(directory, 'data');
    const mounts = resolveMounts(
      { allowedPaths: [data, join(data, 'file')] },
      findEngineSockets(undefined, undefined),
      [],
    );
    expect(mounts.map((mount) => mount.source)).toEqual([data, join(data, 'file')]);
    expect(findMountChanges(mounts)).toEqual([]);
    rmSync(join(data, 'file'));
    symlinkSync(join(directory, 'host-service.sock'), join(data, 'file'));
    expect(findMountChanges(mounts)).toEqual([expect.stringContaining('changed')]);
  });
});
