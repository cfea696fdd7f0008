/**
 * Attacks through the image's `PATH`: an image whose `PATH` names a directory the sandbox user can
 * write (here a `writablePaths` mount, bound at its host path). Root's processes inside the
 * sandbox — the supervisor, its workers, the cleanup of Engine-API exec — must never run a tool
 * planted there, while commands still look their programs up on the image's `PATH`. Busybox's
 * shell prefers its own applets, so this runs on images whose `/bin/sh` looks every tool up on
 * `PATH`: dash (commands through Engine-API exec) and bash (commands through the supervisor).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../src/docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../src/docker-sandbox.js';
import { buildShellImage, sandboxRuntimes, uniqueOwner } from './docker-test-support.js';

const MODES = [
  { name: 'supervisor', fastExec: true },
  { name: 'Engine-API exec', fastExec: false },
] as const;

/** Tools the supervisor and the cleanup run as root; each planted copy records who ran it. */
const PLANTED_TOOLS = [
  'head',
  'cat',
  'base64',
  'rm',
  'mkfifo',
  'mkdir',
  'setsid',
  'start-stop-daemon',
  'dd',
  'stat',
  'id',
];

describeWithService('docker', "Docker sandbox attacks through the image's PATH", (dockerHost) => {
  const docker = createDockerClient(dockerHost);

  describe.each(['dash', 'bash'] as const)('on an image whose /bin/sh is %s', (shell) => {
    let workspace: string;
    let imagePath: string;
    let image: string;

    beforeAll(async () => {
      workspace = realpathSync(mkdtempSync(join(tmpdir(), 'warden-image-path-')));
      // The sandbox user (65534) owns nothing on the host: the workspace is open to it.
      chmodSync(workspace, 0o777);
      imagePath = `${workspace}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
      const tag = `warden-sandbox-path-${shell}:test-${randomBytes(4).toString('hex')}`;
      image = await buildShellImage(docker, { shell, tag, path: imagePath });
    });

    afterAll(async () => {
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
      rmSync(workspace, { recursive: true, force: true });
    });

    describe.each(sandboxRuntimes())('under %s', (runtime) => {
      describe.each(MODES)('through the $name', ({ fastExec }) => {
        let sandbox: DockerSandbox;

        beforeAll(() => {
          sandbox = createDockerSandbox({ docker, image, ownerId: uniqueOwner('image-path'), runtime, fastExec });
        });

        afterAll(async () => {
          await sandbox.close();
        });

        it("the code plants tools in a writable directory on the image's PATH: root never runs them, commands still find theirs", async () => {
          const { id } = await sandbox.create({ writablePaths: [workspace] });
          const proof = join(workspace, 'ran-as');
          // Each planted tool records its uid, then does the real tool's work (by busybox's own
          // path: on this PATH "id" would be the planted one again).
          const plant = PLANTED_TOOLS.map(
            (tool) =>
              `printf '#!/bin/sh\\n/bin/busybox id -u >>${proof}\\nexec /bin/busybox ${tool} "$@"\\n' >${workspace}/${tool};` +
              ` chmod 755 ${workspace}/${tool};`,
          ).join(' ');
          try {
            const planted = await sandbox.execute(id, `${plant} echo planted`);
            expect(planted).toMatchObject({ stdout: 'planted\n', exitCode: 0 });
            for (const word of ['second', 'third']) {
              expect(await sandbox.execute(id, ['echo', word])).toMatchObject({ stdout: `${word}\n`, exitCode: 0 });
            }
            expect(await sandbox.execute(id, 'echo "$PATH"', { cwd: '/tmp' })).toMatchObject({
              stdout: `${imagePath}\n`,
            });
            // The caller's env still reaches the commands, PATH included.
            expect(await sandbox.execute(id, 'echo "$PATH"', { env: { PATH: '/bin' } })).toMatchObject({
              stdout: '/bin\n',
            });
            // A command itself may run a planted tool: as the sandbox user, which is what it is anyway.
            expect((await sandbox.execute(id, ['id', '-u'])).stdout).toBe('65534\n');
            const ranAs = existsSync(proof) ? readFileSync(proof, 'utf8').split('\n').filter(Boolean) : [];
            expect(ranAs).toContain('65534');
            expect(ranAs.filter((uid) => uid !== '65534')).toEqual([]);
          } finally {
            await sandbox.destroy(id);
            for (const tool of [...PLANTED_TOOLS, 'ran-as']) rmSync(join(workspace, tool), { force: true });
          }
        });
      });
    });
  });
});
