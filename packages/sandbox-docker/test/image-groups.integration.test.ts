/**
 * Attacks through the image's group database: runc and the privilege drop (`start-stop-daemon`,
 * which calls `initgroups`) read `/etc/group` for the sandbox user's supplementary groups, so an
 * image that lists the sandbox user in `root` (gid 0) or `disk` would give commands what those
 * groups may read. Commands must run with exactly the groups Warden chose: none but `user`'s gid.
 */
import { randomBytes } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../src/docker-client.js';
import { createDockerSandbox } from '../src/docker-sandbox.js';
import { buildSandboxImage } from '../src/image/build.js';
import { sandboxRuntimes, TEST_IMAGE, uniqueOwner } from './docker-test-support.js';

const MODES = [
  { name: 'supervisor', fastExec: true },
  { name: 'Engine-API exec', fastExec: false },
] as const;

const SECRET = 'root-group-only-secret';

/** The test image plus a root-only file (`/secret`, mode 0640 root:root) and `groupSetup` as root. */
async function buildGroupImage(docker: ReturnType<typeof createDockerClient>, groupSetup: string): Promise<string> {
  const tag = `warden-sandbox-groups:test-${randomBytes(4).toString('hex')}`;
  await buildSandboxImage({
    docker,
    tag,
    dockerfile: [
      `FROM ${TEST_IMAGE}`,
      'USER 0:0',
      `RUN ["/bin/busybox", "sh", "-c", ${JSON.stringify(
        `echo ${SECRET} >/secret && chown 0:0 /secret && chmod 640 /secret && ${groupSetup}`,
      )}]`,
      'USER 65534:65534',
      '',
    ].join('\n'),
  });
  return tag;
}

describeWithService('docker', "Docker sandbox attacks through the image's /etc/group", (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  let listed: string;
  let linked: string;

  beforeAll(async () => {
    // The sandbox user (nobody, 65534) as a member of root, disk and a group of its own name.
    listed = await buildGroupImage(
      docker,
      "printf 'root:x:0:nobody\\ndisk:x:6:nobody\\nnogroup:x:65534:\\n' >/etc/group",
    );
    // /etc/group is a link into /tmp, which the sandbox user writes once the sandbox runs.
    linked = await buildGroupImage(docker, 'ln -sf /tmp/group /etc/group');
  });

  afterAll(async () => {
    for (const image of [listed, linked]) {
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => {});
    }
  });

  describe.each(sandboxRuntimes())('under %s', (runtime) => {
    describe.each(MODES)('through the $name', ({ fastExec }) => {
      it('an image that lists the sandbox user in root and disk never gives a command those groups', async () => {
        const sandbox = createDockerSandbox({
          docker,
          image: listed,
          ownerId: uniqueOwner('groups'),
          runtime,
          fastExec,
        });
        try {
          if (fastExec) {
            // The supervisor's privilege drop reads /etc/group: the sandbox is refused at create.
            await expect(sandbox.create()).rejects.toMatchObject({
              code: 'SANDBOX_HARDENING_FAILED',
              failures: [expect.stringContaining('supplementary groups')],
            });
            expect(await sandbox.cleanupAll()).toEqual([]);
            return;
          }
          // Engine-API exec runs commands as the numeric uid:gid; each checks its groups itself.
          const { id } = await sandbox.create();
          const secret = await sandbox.execute(id, ['cat', '/secret']);
          expect(secret.stdout).not.toContain(SECRET);
          expect(secret.exitCode).not.toBe(0);
          expect(await sandbox.execute(id, 'id -G')).toMatchObject({ stdout: '65534\n', exitCode: 0 });
        } finally {
          await sandbox.close();
        }
      });

      it('the code in the sandbox writes itself into root through an /etc/group linked to /tmp: later commands still run without it', async () => {
        const sandbox = createDockerSandbox({
          docker,
          image: linked,
          ownerId: uniqueOwner('groups'),
          runtime,
          fastExec,
        });
        try {
          const { id } = await sandbox.create();
          const planted = await sandbox.execute(
            id,
            "printf 'root:x:0:nobody\\nnogroup:x:65534:\\n' >/tmp/group; chmod 644 /tmp/group; echo ok",
          );
          expect(planted).toMatchObject({ stdout: 'ok\n', exitCode: 0 });
          for (const command of [['cat', '/secret'], 'cat /secret', ['id', '-G']] as const) {
            const result = await sandbox.execute(id, command as string | string[], { cwd: '/tmp', env: { A: 'b' } });
            expect(result.stdout).not.toContain(SECRET);
            expect(result.stdout).not.toMatch(/(^|\s)0(\s|$)/);
            const bare = await sandbox.execute(id, command as string | string[]);
            expect(bare.stdout).not.toContain(SECRET);
            expect(bare.stdout).not.toMatch(/(^|\s)0(\s|$)/);
          }
        } finally {
          await sandbox.close();
        }
      });
    });
  });
});
