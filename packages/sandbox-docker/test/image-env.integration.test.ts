/**
 * Attacks through the image's environment: an image that sets `LD_PRELOAD` (or `LD_AUDIT`,
 * `BASH_ENV`, `NODE_OPTIONS`…) would have every dynamically linked program load it, root's
 * included: the supervisor, its workers and the cleanup of Engine-API exec run as root inside the
 * container. Root's processes must run with Warden's own minimal environment; commands get the
 * image's environment (the image's intent for the code it runs), with the caller's `env` on top.
 * The library is built with the host's C compiler (`CC`, default `cc`) and runs on images whose `/bin/sh` is the host's
 * dynamically linked dash (commands through Engine-API exec) or bash (through the supervisor).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../src/docker-client.js';
import { createDockerSandbox } from '../src/docker-sandbox.js';
import { buildSandboxImage } from '../src/image/build.js';
import { buildShellImage, sandboxRuntimes, uniqueOwner } from './docker-test-support.js';

const MODES = [
  { name: 'supervisor', fastExec: true },
  { name: 'Engine-API exec', fastExec: false },
] as const;

/** Loaded into a process, records that process's real uid in /tmp (root's and the user's apart). */
const PRELOAD_SOURCE = `
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void warden_marker(void) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/preloaded-by-%u", (unsigned) getuid());
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) { write(fd, "x\\n", 2); close(fd); }
}
`;

describeWithService('docker', "Docker sandbox attacks through the image's environment", (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  let workspace: string;
  let library: Buffer;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'warden-image-env-'));
    writeFileSync(join(workspace, 'preload.c'), PRELOAD_SOURCE);
    execFileSync(process.env.CC ?? 'cc', [
      '-shared',
      '-fPIC',
      '-o',
      join(workspace, 'preload.so'),
      join(workspace, 'preload.c'),
    ]);
    library = readFileSync(join(workspace, 'preload.so'));
  });

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  describe.each(['dash', 'bash'] as const)('on an image whose /bin/sh is %s', (shell) => {
    let image: string;

    beforeAll(async () => {
      const suffix = randomBytes(4).toString('hex');
      const base = await buildShellImage(docker, { shell, tag: `warden-sandbox-env-base-${shell}:test-${suffix}` });
      image = `warden-sandbox-env-${shell}:test-${suffix}`;
      await buildSandboxImage({
        docker,
        tag: image,
        dockerfile: [
          `FROM ${base}`,
          'COPY preload.so /lib/warden-preload.so',
          'ENV LD_PRELOAD=/lib/warden-preload.so BASH_ENV=/tmp/bash-env ENV=/tmp/sh-env IMAGE_VARIABLE=kept',
          '',
        ].join('\n'),
        files: { 'preload.so': library },
      });
      await docker
        .getImage(base)
        .remove()
        .catch(() => {});
    });

    afterAll(async () => {
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
    });

    describe.each(sandboxRuntimes())('under %s', (runtime) => {
      describe.each(MODES)('through the $name', ({ fastExec }) => {
        it("an image that sets LD_PRELOAD never has root's processes in the sandbox load it; commands keep the image's environment", async () => {
          const sandbox = createDockerSandbox({ docker, image, ownerId: uniqueOwner('image-env'), runtime, fastExec });
          try {
            const { id } = await sandbox.create();
            for (const word of ['first', 'second']) {
              expect(await sandbox.execute(id, ['echo', word])).toMatchObject({ stdout: `${word}\n`, exitCode: 0 });
            }
            await sandbox.execute(id, 'sleep 30', { timeoutMs: 500 });
            // Commands get the image's environment, LD_PRELOAD included: they are the image's code.
            expect(await sandbox.execute(id, 'echo "$IMAGE_VARIABLE $LD_PRELOAD"')).toMatchObject({
              stdout: 'kept /lib/warden-preload.so\n',
            });
            const markers = await sandbox.execute(id, ['/bin/sh', '-c', 'cd /tmp && echo preloaded-by-*']);
            expect(markers.stdout).toContain('preloaded-by-65534');
            expect(markers.stdout).not.toContain('preloaded-by-0');
          } finally {
            await sandbox.close();
          }
        });
      });
    });
  });
});
