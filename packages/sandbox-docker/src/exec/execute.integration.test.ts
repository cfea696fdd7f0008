import { DEFAULT_MAX_OUTPUT_BYTES } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IMAGE, uniqueOwner } from '../../test/docker-test-support.js';
import { createDockerClient } from '../docker-client.js';
import { createDockerSandbox, type DockerSandbox } from '../docker-sandbox.js';

/** Process command lines inside the sandbox, to check a killed command is really gone. */
async function commandLines(sandbox: DockerSandbox, id: string): Promise<string> {
  const result = await sandbox.execute(id, 'cat /proc/[0-9]*/cmdline 2>/dev/null; true');
  return result.stdout.replaceAll('\0', ' ');
}

describeWithService('docker', 'Docker sandbox execute', (dockerHost) => {
  // Every behaviour holds both through the supervisor and through the Engine-API exec fallback.
  describe.each([
    ['through the supervisor', true],
    ['through Engine-API exec (fastExec: false)', false],
  ])('%s', (_mode, fastExec) => {
    let sandbox: DockerSandbox;
    let id: string;

    beforeAll(async () => {
      sandbox = createDockerSandbox({
        docker: createDockerClient(dockerHost),
        image: TEST_IMAGE,
        ownerId: uniqueOwner('execute'),
        fastExec,
        defaults: { env: { WARDEN_SANDBOX_VAR: 'from-sandbox' } },
      });
      ({ id } = await sandbox.create({ maxPids: 64 }));
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('execute(id, string) runs /bin/sh -c inside and keeps stdout, stderr and the exit code apart', async () => {
      const result = await sandbox.execute(id, 'echo "$((6 * 7))"; echo oops >&2; exit 3');
      expect(result).toMatchObject({
        stdout: '42\n',
        stderr: 'oops\n',
        exitCode: 3,
        timedOut: false,
        truncated: false,
      });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('execute(id, argv) passes every argument verbatim, without a shell', async () => {
      const argv = ['printf', '[%s]', 'two  spaces', '$HOME', '; exit 9', '`id`', '$(id)', "'q'", '*', '', 'line\n\n'];
      const result = await sandbox.execute(id, argv);
      expect(result).toMatchObject({
        stdout: argv
          .slice(2)
          .map((arg) => `[${arg}]`)
          .join(''),
        exitCode: 0,
      });
    });

    it('execute(id, argv, options) with a 100 kB argument and stdin passes them intact', async () => {
      const big = 'x'.repeat(100_000);
      const result = await sandbox.execute(id, ['sh', '-c', 'printf %s "$1" | wc -c; cat', 'sh', big], {
        stdin: `${big}\n`,
        env: { WARDEN_BIG: 'set' },
      });
      expect(result).toMatchObject({ stdout: `100000\n${big}\n`, exitCode: 0 });
    });

    it('execute(id, argv) of a missing program exits 127 or 126 and says why', async () => {
      const result = await sandbox.execute(id, ['warden-no-such-program']);
      expect([126, 127]).toContain(result.exitCode);
      expect(result.stderr + result.stdout).toMatch(/warden-no-such-program/);
    });

    it('execute(id, command) reports 128+N for a process killed by signal N', async () => {
      expect((await sandbox.execute(id, 'kill -TERM $$')).exitCode).toBe(143);
      expect((await sandbox.execute(id, ['sh', '-c', 'kill -KILL $$'])).exitCode).toBe(137);
    });

    it('execute(id, command, { cwd, env, stdin }) runs in cwd with the env overlaid and the stdin given', async () => {
      const result = await sandbox.execute(id, 'pwd; echo "$WARDEN_SANDBOX_VAR|$WARDEN_COMMAND_VAR"; cat', {
        cwd: '/bin',
        env: { WARDEN_COMMAND_VAR: 'a b; $(id) `id`' },
        stdin: 'line one\nline two $(id)\n',
      });
      expect(result).toMatchObject({
        stdout: '/bin\nfrom-sandbox|a b; $(id) `id`\nline one\nline two $(id)\n',
        exitCode: 0,
      });
    });

    it('execute(id, argv, { env }) with variables named like the runner own ones passes them as given and runs the argv asked for', async () => {
      // The attack: a caller's (or an image's) variable `n` overwrote the runner's count of env
      // entries, so the rest of the entries became the argv (a `NAME=value` run as a program);
      // `warden_g…` ones were unset by the group check before the command started.
      const result = await sandbox.execute(id, ['sh', '-c', 'echo "$n|$warden_g|$warden_l|$warden_x|$warden_gid|$A"'], {
        env: { n: '0', warden_g: 'g', warden_l: 'l', warden_x: 'x', warden_gid: 'gid', A: 'last' },
      });
      expect(result).toMatchObject({ stdout: '0|g|l|x|gid|last\n', stderr: '', exitCode: 0 });
    });

    it("execute(id, argv, { env }) never puts a variable's value where the engine records it (its events)", async () => {
      // Whoever can read the engine's events (`docker events`) sees each exec's arguments in full.
      const since = Math.floor(Date.now() / 1000) - 1;
      const result = await sandbox.execute(id, ['sh', '-c', 'echo "$LOGIN_PIN"'], {
        env: { LOGIN_PIN: 'pin-4711-not-for-events' },
      });
      expect(result.stdout).toBe('pin-4711-not-for-events\n');
      const events = await sandbox.docker.getEvents({ since, until: Math.floor(Date.now() / 1000) + 1 });
      let recorded = '';
      for await (const chunk of events as AsyncIterable<Buffer>) recorded += chunk.toString('utf8');
      expect(recorded).not.toContain('pin-4711');
    });

    it('execute(id, argv, { env }) runs a program whose name contains "=" verbatim', async () => {
      const result = await sandbox.execute(id, ['a=b'], { env: { WARDEN_X: '1' } });
      expect([126, 127]).toContain(result.exitCode);
    });

    it('execute(id, command, { cwd }) of a missing directory exits 126 without running the command', async () => {
      const result = await sandbox.execute(id, 'echo ran', { cwd: '/no/such/directory' });
      expect(result.exitCode).toBe(126);
      expect(result.stdout).toBe('');
    });

    it('execute(id, command, { env }) drops credential-looking variables', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, run inside the sandbox
      const result = await sandbox.execute(id, 'echo "${GITHUB_TOKEN:-unset}|${AWS_SECRET_ACCESS_KEY:-unset}|$PLAIN"', {
        env: { GITHUB_TOKEN: 'ghp_secret', AWS_SECRET_ACCESS_KEY: 'aws-secret', PLAIN: 'kept' },
      });
      expect(result.stdout).toBe('unset|unset|kept\n');
    });

    it('execute(id, command) without stdin sees end of input at once', async () => {
      expect(await sandbox.execute(id, 'cat; echo done', { timeoutMs: 10_000 })).toMatchObject({
        stdout: 'done\n',
        timedOut: false,
      });
    });

    it('execute(id, command) caps each stream at 1 MiB by default and reports truncated', async () => {
      const result = await sandbox.execute(id, 'yes a | head -c 3000000; yes b | head -c 10 >&2');
      expect(result.truncated).toBe(true);
      expect(Buffer.byteLength(result.stdout)).toBe(DEFAULT_MAX_OUTPUT_BYTES);
      expect(result.stderr).toBe('b\nb\nb\nb\nb\n');
      expect(result.exitCode).toBe(0);
    });

    it('execute(id, command, { maxOutputBytes }) never splits a UTF-8 character at the cap', async () => {
      const result = await sandbox.execute(id, ['printf', 'aé€'], { maxOutputBytes: 4 });
      expect(result).toMatchObject({ stdout: 'aé', truncated: true });
    });

    it('execute(id, command, { timeoutMs }) kills the process (and its children) inside the container', async () => {
      const result = await sandbox.execute(id, 'sleep 41 & sleep 42; echo never', { timeoutMs: 300 });
      expect(result).toMatchObject({ timedOut: true, exitCode: 137, stdout: '' });
      const lines = await commandLines(sandbox, id);
      expect(lines).not.toContain('sleep 41');
      expect(lines).not.toContain('sleep 42');
    });

    it('execute(id, command, { signal }) kills the command when the signal aborts', async () => {
      const controller = new AbortController();
      const running = sandbox.execute(id, ['sleep', '43'], { signal: controller.signal, timeoutMs: 30_000 });
      setTimeout(() => controller.abort(), 300);
      expect(await running).toMatchObject({ timedOut: true, exitCode: 137 });
      expect(await commandLines(sandbox, id)).not.toContain('sleep 43');
    });

    it('execute(id, command) called concurrently keeps each result apart', async () => {
      const numbers = Array.from({ length: 8 }, (_, index) => index + 1);
      const results = await Promise.all(
        numbers.map((number) =>
          sandbox.execute(id, `sleep 0.$((${number} % 3)); echo out-${number}; echo err-${number} >&2; exit ${number}`),
        ),
      );
      results.forEach((result, index) => {
        const number = numbers[index];
        expect(result).toMatchObject({ stdout: `out-${number}\n`, stderr: `err-${number}\n`, exitCode: number });
      });
    });
  });
});
