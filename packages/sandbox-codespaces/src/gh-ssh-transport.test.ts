import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildRemoteCommand, type CodespaceExecRequest } from './codespace-exec-transport.js';
import { createGhSshTransport } from './gh-ssh-transport.js';
import { type FakeGh, installFakeGh } from './test-support/fake-gh.js';

let gh: FakeGh;

beforeEach(async () => {
  gh = await installFakeGh();
});

afterEach(async () => {
  await gh.cleanup();
});

/** Command lines of every process on this machine (the fake gh runs the codespace side here). */
async function hostCommandLines(): Promise<string> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const lines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
  return lines.map((line) => line.replaceAll('\0', ' ')).join('\n');
}

function run(request: Partial<CodespaceExecRequest> & Pick<CodespaceExecRequest, 'command'>, remoteTimeout = true) {
  const transport = createGhSshTransport({ env: gh.env, remoteTimeout });
  return transport.execute({
    codespace: 'octocat-fuzzy-lamp-1a2b3c',
    env: {},
    timeoutMs: 10_000,
    maxOutputBytes: 1_048_576,
    ...request,
  });
}

describe('createGhSshTransport(): gh codespace ssh -c <name> -- <remote command>', () => {
  it('spawns gh with an argv array (no host shell): codespace ssh -c <name> -- <one quoted remote command>', async () => {
    await run({ command: ['echo', 'hi'] }, false);
    const [argv] = await gh.calls();
    expect(argv).toEqual([
      'codespace',
      'ssh',
      '-c',
      'octocat-fuzzy-lamp-1a2b3c',
      '--',
      `printf '%s %s\\n' warden-exec-pid "$$" >&2 && exec 'echo' 'hi'`,
    ]);
  });

  it('passes every argv entry verbatim through the remote shell: quotes, $, backticks, ;, globs, newlines', async () => {
    const hostile = [
      'two  spaces',
      '$HOME',
      '; exit 9',
      '`id`',
      '$(id)',
      "'quoted'",
      "it's",
      '*',
      'new\nline',
      '-n',
      '',
    ];
    const result = await run({ command: ['printf', '[%s]', ...hostile] });
    expect(result).toMatchObject({
      stdout: hostile.map((argument) => `[${argument}]`).join(''),
      exitCode: 0,
      timedOut: false,
    });
  });

  it('runs a string command with /bin/sh -c, keeping stdout, stderr and the exit code apart', async () => {
    const result = await run({ command: 'echo "$((6 * 7))"; echo oops >&2; exit 3' });
    expect(result).toMatchObject({ stdout: '42\n', stderr: 'oops\n', exitCode: 3, timedOut: false, truncated: false });
    expect((await run({ command: 'warden-no-such-command' })).exitCode).toBe(127);
  });

  it('runs in cwd with the environment exported, values never interpreted', async () => {
    const result = await run({
      command: 'pwd; echo "$A|$B"',
      cwd: '/tmp',
      env: { A: "a b; $(id) `id` 'q'", B: 'two' },
    });
    expect(result).toMatchObject({ stdout: "/tmp\na b; $(id) `id` 'q'|two\n", exitCode: 0 });
  });

  // The attacker here is any other user of the host: a process's command line is world-readable
  // (`ps`, /proc/<pid>/cmdline), and the environment is where a caller puts a command's secrets.
  it("keeps the environment's values off gh's command line, and still hands them (and stdin) to the command", async () => {
    const secret = 'sk-live-0123456789';
    const env = { API_KEY: `${secret}\nsecond line 'q' $(id)`, EMPTY: '' };
    const stdin = 'line one\nline two\n';
    const result = await run({ command: 'printf "[%s][%s]" "$API_KEY" "$EMPTY"; cat', env, stdin });
    expect(result).toMatchObject({ stdout: `[${env.API_KEY}][]${stdin}`, exitCode: 0 });
    expect((await gh.calls()).flat().join(' ')).not.toContain(secret);
  });

  it("changes to cwd before the environment applies: the caller's CDPATH cannot move cd or add to stdout", async () => {
    const result = await run({ command: 'pwd', cwd: 'tmp', env: { CDPATH: '/' } });
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout).toMatch(/^[^\n]*\/codespaces\/octocat-fuzzy-lamp-1a2b3c\/tmp\n$/);
  });

  it('writes stdin and closes it; without stdin the command sees end of input at once', async () => {
    const stdin = 'line one\n$(id) `id`\n';
    expect(await run({ command: 'cat', stdin })).toMatchObject({ stdout: stdin, exitCode: 0 });
    expect(await run({ command: 'cat', timeoutMs: 5_000 })).toMatchObject({ stdout: '', exitCode: 0, timedOut: false });
  });

  it('kills the command at timeoutMs and reports timedOut with a signal exit code', async () => {
    const result = await run({ command: 'sleep 30', timeoutMs: 200 });
    expect(result).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('a timeout also kills the command inside the codespace (its process group), not only gh', async () => {
    // Without the remote `timeout` backstop, only the remote kill can stop these.
    // Durations no other process shares: another checkout may run this test at the same moment.
    const seconds = 100_000 + Math.floor(Math.random() * 899_999);
    const command = `sleep ${seconds}.25 & sleep ${seconds}.5; wait`;
    const result = await run({ command, timeoutMs: 200 }, false);
    expect(result.timedOut).toBe(true);
    const survivor = new RegExp(`sleep ${seconds}\\.(25|5)`);
    await vi.waitFor(async () => expect(await hostCommandLines()).not.toMatch(survivor), { timeout: 90_000 });
  });

  it("removes the process-group announcement from stderr, keeping the command's own stderr", async () => {
    expect(await run({ command: 'echo "warden-exec-pid 1" >&2' })).toMatchObject({ stderr: 'warden-exec-pid 1\n' });
  });

  it('kills the command when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await run({ command: 'sleep 30', signal: controller.signal });
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('caps each stream at maxOutputBytes and reports truncated', async () => {
    const result = await run({
      command: 'head -c 100000 /dev/zero | tr "\\0" a; head -c 10 /dev/zero | tr "\\0" b >&2',
      maxOutputBytes: 1000,
    });
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.stderr).toBe('b'.repeat(10));
    expect(result.truncated).toBe(true);
  });

  // The port's rule: the cap never splits a character. Cut inside one, the text ended in U+FFFD
  // (three bytes), so it was no prefix of the output and could pass maxOutputBytes.
  it('caps each stream at maxOutputBytes without splitting a character: whole ones only, within the cap', async () => {
    const euros = '€'.repeat(400); // three bytes each in UTF-8
    const result = await run({ command: ['printf', '%s', euros], maxOutputBytes: 1000 });
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('€'.repeat(333));
    const stderr = await run({ command: ['/bin/sh', '-c', `printf '%s' '${euros}' >&2`], maxOutputBytes: 1000 });
    expect(stderr.stderr).toBe('€'.repeat(333));
  });

  it('also enforces the timeout inside the codespace with timeout -s KILL, one second after the local deadline', async () => {
    await run({ command: ['true'], timeoutMs: 2500 });
    const [argv] = await gh.calls();
    expect(argv?.[5]).toMatch(/ && exec 'timeout' '-s' 'KILL' '3.5' 'true'$/);
  });

  it('answers BACKEND_UNAVAILABLE when gh cannot be run', async () => {
    const transport = createGhSshTransport({ ghPath: '/nonexistent/gh', env: gh.env });
    await expect(
      transport.execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 1000, maxOutputBytes: 100 }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  // A gh that cannot reach the codespace (stopped, deleted, no network) exits before the remote
  // shell starts: its exit code must not pass for the command's.
  for (const ghPath of ['/bin/false', '/bin/true']) {
    it(`answers BACKEND_UNAVAILABLE when gh (${ghPath}) exits without reaching the codespace, never an exit code`, async () => {
      const transport = createGhSshTransport({ ghPath, env: gh.env });
      await expect(
        transport.execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 5000, maxOutputBytes: 100 }),
      ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    });
  }

  // The attacker here is the code inside the codespace: it rewrote the login shell's start-up
  // file, which runs before the announcement, to print a carriage return and terminal escapes
  // and exit. The first line of that went into the error verbatim: a log line overwritten on a
  // terminal, or rewritten by escapes, where the error is read.
  it('quotes no control character from what ended gh early: no carriage return or escape in the error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-gh-'));
    try {
      const ghPath = join(dir, 'gh');
      await writeFile(ghPath, "#!/bin/sh\nprintf 'lost\\r2026-01-01 INFO command succeeded\\033[2K\\n' >&2\nexit 1\n", {
        mode: 0o755,
      });
      const transport = createGhSshTransport({ ghPath, env: gh.env });
      const error = await transport
        .execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 5000, maxOutputBytes: 100 })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /lost/ });
      for (const control of ['\r', '\n', '\u001b']) expect((error as Error).message).not.toContain(control);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The same attacker, with the characters a log viewer breaks or reverses lines at that are not
  // C0 or C1 controls: U+2028 and U+2029 (line and paragraph separators, line breaks to
  // JavaScript, editors and many viewers) and bidi overrides, which show text reversed.
  it('quotes no line or paragraph separator nor bidi control from what ended gh early', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-gh-'));
    try {
      const ghPath = join(dir, 'gh');
      const said = 'lost\u20282026-01-01 INFO command succeeded\u2029\u202edesrever\u2066x\u2069\ufeff';
      await writeFile(ghPath, `#!/bin/sh\nprintf '%s\\n' '${said}' >&2\nexit 1\n`, { mode: 0o755 });
      const transport = createGhSshTransport({ ghPath, env: gh.env });
      const error = await transport
        .execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 5000, maxOutputBytes: 100 })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect((error as Error).message).toContain('lost 2026-01-01 INFO command succeeded');
      for (const character of ['\u2028', '\u2029', '\u202e', '\u2066', '\u2069', '\ufeff']) {
        expect((error as Error).message).not.toContain(character);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The code inside holds the codespace's own GITHUB_TOKEN and can print it where gh's first
  // line is quoted into the error: the error must not carry it, whole or cut.
  it('quotes no token-shaped word from what ended gh early, and cuts no character in half', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-gh-'));
    try {
      const ghPath = join(dir, 'gh');
      const token = `ghu_${'A1b2'.repeat(9)}`;
      const hex = 'f'.repeat(40);
      const said = `${'x'.repeat(185)}${hex} token=${token} ${'\u{1F600}'.repeat(20)}`;
      await writeFile(ghPath, `#!/bin/sh\nprintf '%s\\n' '${said}' >&2\nexit 1\n`, { mode: 0o755 });
      const transport = createGhSshTransport({ ghPath, env: gh.env });
      const error = await transport
        .execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 5000, maxOutputBytes: 1000 })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      const message = (error as Error).message;
      expect(message).not.toMatch(/ghu_|f{8}/);
      expect(message).toContain('[redacted]');
      expect(message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // bash in the codespace warns on stderr before it runs anything (an ssh-forwarded LC_ALL the
  // image lacks): the announcement is then not the first line, and must still be found.
  it('finds the process-group announcement after what the login shell writes first, keeping that text', async () => {
    const { writeFile, chmod } = await import('node:fs/promises');
    const wrapper = `${gh.env.FAKE_GH_DIR}/bin/chatty-gh`;
    const warning = 'bash: warning: setlocale: LC_ALL: cannot change locale (xx_XX.UTF-8)';
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' '${warning}' >&2\nexec gh "$@"\n`);
    await chmod(wrapper, 0o755);
    const transport = createGhSshTransport({ ghPath: wrapper, env: gh.env });
    const request = { codespace: 'x', env: {}, timeoutMs: 10_000, maxOutputBytes: 1000 };
    const result = await transport.execute({ ...request, command: 'echo out; echo err >&2; exit 4' });
    expect(result).toMatchObject({ stdout: 'out\n', stderr: `${warning}\nerr\n`, exitCode: 4 });
  });

  it('gives the token to gh as GH_TOKEN, never on the command line', async () => {
    const transport = createGhSshTransport({ env: gh.env, token: 'ghp_secretsecretsecret', remoteTimeout: false });
    await transport.execute({ codespace: 'x', command: ['true'], env: {}, timeoutMs: 5000, maxOutputBytes: 100 });
    expect((await gh.calls()).flat().join(' ')).not.toContain('ghp_secret');
  });
});

describe('buildRemoteCommand(request)', () => {
  it('changes directory, exports the environment and execs, every word single-quoted', () => {
    expect(buildRemoteCommand({ command: 'echo $HOME', cwd: "/work/it's", env: { A: 'x y' } })).toBe(
      "cd '/work/it'\\''s' && export A='x y' && exec '/bin/sh' '-c' 'echo $HOME'",
    );
  });

  it('never starts with "-", so ssh cannot read it as an option', () => {
    expect(buildRemoteCommand({ command: ['-oProxyCommand=evil'], env: {} })).toBe("exec '-oProxyCommand=evil'");
  });

  // The attacker here chooses the environment a custom transport hands on unchecked: a variable
  // name is the one word of the line that cannot be quoted (`export NAME='value'`).
  it('refuses an environment variable name that is not an identifier (INVALID_INPUT): no shell ever sees it', async () => {
    const env = { 'A=1; echo injected; B': 'x' };
    expect(() => buildRemoteCommand({ command: ['true'], env })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    await expect(run({ command: ['true'], env })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await gh.calls()).toEqual([]);
  });
});
