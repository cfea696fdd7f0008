/**
 * Attacks on a sandbox whose image is like Debian's and Ubuntu's (`node:22-slim`, the README's
 * example): `/bin/sh` is dash, which looks every tool up on `PATH` and has only POSIX `read`.
 * Busybox's shell (the default image) hides both, so these run on an image built from the host's
 * dash, under every runtime the engine has and through both command paths.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../src/docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../src/docker-sandbox.js';
import { buildDashImage, sandboxRuntimes, uniqueOwner } from './docker-test-support.js';

const MODES = [
  { name: 'supervisor', fastExec: true },
  { name: 'Engine-API exec', fastExec: false },
] as const;

/** Tools the supervisor and the cleanup run as root; each planted copy records who ran it. */
const PLANTED_TOOLS = ['head', 'cat', 'base64', 'rm', 'mkfifo', 'setsid', 'start-stop-daemon', 'dd', 'stat', 'id'];

/** Processes of the sandbox user other than the `ps` that lists them. */
async function sandboxUserProcesses(sandbox: DockerSandbox, id: string): Promise<string[]> {
  const { stdout } = await sandbox.execute(id, ['ps', '-o', 'user,args']);
  return stdout.split('\n').filter((line) => /^nobody\s/.test(line) && !/\bps -o user,args\b/.test(line));
}

describeWithService('docker', 'Docker sandbox attacks on an image whose /bin/sh is dash', (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  let image: string;

  beforeAll(async () => {
    image = await buildDashImage(docker);
  });

  describe.each(sandboxRuntimes())('under %s', (runtime) => {
    describe.each(MODES)('through the $name', ({ fastExec }) => {
      let sandbox: DockerSandbox;
      let workspace: string;

      beforeAll(() => {
        sandbox = createDockerSandbox({ docker, image, ownerId: uniqueOwner('dash'), runtime, fastExec });
        workspace = realpathSync(mkdtempSync(join(tmpdir(), 'warden-dash-')));
        // The sandbox user (65534) owns nothing on the host: the workspace is open to it.
        chmodSync(workspace, 0o777);
      });

      afterAll(async () => {
        await sandbox.close();
        rmSync(workspace, { recursive: true, force: true });
      });

      it('an untrusted caller sets PATH to a writable path and the code plants tools there: root never runs them', async () => {
        const { id } = await sandbox.create({
          writablePaths: [workspace],
          env: { PATH: `${workspace}:/usr/bin:/bin` },
        });
        const proof = join(workspace, 'ran-as');
        const plant = PLANTED_TOOLS.map(
          (tool) =>
            `printf '#!/bin/sh\\nid -u >>${proof}\\nexec /bin/busybox ${tool} "$@"\\n' >${workspace}/${tool};` +
            ` chmod 755 ${workspace}/${tool};`,
        ).join(' ');
        const planted = await sandbox.execute(id, `${plant} echo planted`);
        expect(planted.exitCode).toBe(0);
        for (const word of ['second', 'third']) {
          expect(await sandbox.execute(id, ['echo', word])).toMatchObject({ stdout: `${word}\n`, exitCode: 0 });
        }
        // The caller's PATH still reaches the commands themselves.
        expect((await sandbox.execute(id, 'echo "$PATH"')).stdout).toBe(`${workspace}:/usr/bin:/bin\n`);
        const ranAs = existsSync(proof) ? readFileSync(proof, 'utf8').split('\n').filter(Boolean) : [];
        expect(ranAs.filter((uid) => uid !== '65534')).toEqual([]);
        await sandbox.destroy(id);
      });

      it('the code leaves processes behind (setsid, double fork): none outlives its command, and output comes back', async () => {
        const { id } = await sandbox.create({ maxPids: 64 });
        const result = await sandbox.execute(id, 'echo out; echo err >&2; exit 3');
        expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false });
        // A timeout well past the command's own end: only a survivor holding the output open reaches it.
        const leaving = await sandbox.execute(id, '(setsid sleep 1003 &); (sleep 1004 &); echo left', {
          timeoutMs: 30_000,
        });
        expect(leaving).toMatchObject({ stdout: 'left\n', timedOut: false });
        expect(await sandboxUserProcesses(sandbox, id)).toEqual([]);
        const killed = await sandbox.execute(id, '(setsid sleep 1005 >/dev/null 2>&1 &); sleep 1000', {
          timeoutMs: 1500,
        });
        expect(killed.timedOut).toBe(true);
        expect(await sandboxUserProcesses(sandbox, id)).toEqual([]);
        await sandbox.destroy(id);
      });
    });
  });
});
