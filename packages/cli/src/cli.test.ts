import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInput, securityConfigSchema } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { run } from './run.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: a child process, no shell. */
function warden(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', 'src/main.ts', ...args],
      { cwd: packageRoot, timeout: 50_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('warden policy check', () => {
  it('explains a denial on the example host configuration, exit 1', async () => {
    const run = await warden(
      'policy',
      'check',
      fixture('example-host.json'),
      '--source',
      'p2p',
      '--trust',
      'trusted',
      '--session',
      'code-assistant',
      '--tool',
      'Bash',
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('DENIED: tool Bash for p2p (trusted) in session code-assistant');
    expect(run.stdout).toContain('[capability-missing]');
    expect(run.stdout).toContain('3. session (sessions.code-assistant)');
    expect(run.stdout).toContain('would change the answer:');
  });

  it('names the deny pattern, and prints JSON for scripts', async () => {
    const run = await warden(
      'policy',
      'check',
      fixture('example-host.json'),
      '--source',
      'cli',
      '--session',
      'code-assistant',
      '--tool',
      'WebFetch',
      '--json',
    );
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      allowed: false,
      rule: 'tool-deny',
      pattern: 'WebFetch',
      source: { type: 'cli', trustLevel: 'owner' },
    });
    expect(json.layers.map((layer: { path: string }) => layer.path)).toEqual([
      'profile owner',
      'defaults',
      'sessions.code-assistant',
      'enforcement',
    ]);
  });

  it('allows with exit 0, and checks capabilities', async () => {
    const tool = await warden(
      'policy',
      'check',
      fixture('example-host.json'),
      '--source',
      'cli',
      '--session',
      'code-assistant',
      '--tool',
      'Read',
    );
    expect(tool.code).toBe(0);
    expect(tool.stdout).toContain('ALLOWED');
    const capability = await warden(
      'policy',
      'check',
      fixture('example-host.json'),
      '--source',
      'api',
      '--capability',
      'inject.exec',
      '--json',
    );
    expect(capability.code).toBe(1);
    expect(JSON.parse(capability.stdout).rule).toBe('capability-missing');
  });

  it.each([
    [
      'an unknown flag',
      [fixture('example-host.json'), '--source', 'cli', '--tool', 'Read', '--bogus'],
      "Unknown option '--bogus'",
    ],
    ['neither --tool nor --capability', [fixture('example-host.json'), '--source', 'cli'], 'exactly one of --tool'],
    [
      'an unknown source type',
      [fixture('example-host.json'), '--source', 'martian', '--tool', 'Read'],
      'unknown source type "martian"',
    ],
    ['a missing file', [fixture('nope.json'), '--source', 'cli', '--tool', 'Read'], 'no such file'],
    ['a file that is not JSON', [fixture('not-json.txt'), '--source', 'cli', '--tool', 'Read'], 'is not valid JSON'],
    ['an invalid configuration', [fixture('invalid.json'), '--source', 'cli', '--tool', 'Read'], 'enforcement:'],
  ])('rejects %s with exit 2 and a clear message', async (_what, args, message) => {
    const run = await warden('policy', 'check', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Run 'warden policy check --help' for usage.");
  });
});

describe('the example host configuration', () => {
  it('is the policy the example host runs with (apps/example DEFAULT_HOST_POLICY)', async () => {
    const { DEFAULT_HOST_POLICY } = await import('../../../apps/example/src/default-policy.ts');
    const file = JSON.parse(readFileSync(fixture('example-host.json'), 'utf8'));
    expect(parseInput(securityConfigSchema, file, 'fixture')).toEqual(
      parseInput(securityConfigSchema, DEFAULT_HOST_POLICY, 'example host policy'),
    );
  });
});

describe('warden policy lint', () => {
  const rules = [
    'allow-shadowed-by-deny',
    'deny-shadowed-by-allow',
    'rule-unreachable',
    'tool-unmapped',
    'session-owner-only',
    'sandbox-loosened',
    'glob-matches-nothing',
  ];

  it('reports every rule on a configuration built to trigger it, exit 1', async () => {
    const run = await warden('policy', 'lint', fixture('lint-all.json'), '--json');
    expect(run.code).toBe(1);
    const findings: { id: string; path: string }[] = JSON.parse(run.stdout).findings;
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'allow-shadowed-by-deny', path: 'sessions.shadowed.tools.allow.0' }),
        expect.objectContaining({ id: 'tool-unmapped', path: 'sessions.unmapped.tools.allow.0' }),
        expect.objectContaining({ id: 'session-owner-only', path: 'sessions.locked.access' }),
        expect.objectContaining({ id: 'sandbox-loosened', path: 'trustLevels.untrusted.sandbox.networkPolicy' }),
        expect.objectContaining({ id: 'glob-matches-nothing', path: 'sessions.globbed.tools.deny.0' }),
        expect.objectContaining({ id: 'deny-shadowed-by-allow', path: 'sessions.narrow.tools.deny.0' }),
        expect.objectContaining({ id: 'rule-unreachable', path: 'defaults.rateLimit.perMinute' }),
      ]),
    );
    expect(findings).toHaveLength(7);
  });

  it('finds nothing on a near miss of every reach rule, exit 0', async () => {
    // A defaults deny where some session has no allow list; a trust-level deny a session's allow
    // list lets through; a deny glob beside an allow glob; a defaults rate limit one trust level keeps.
    const run = await warden('policy', 'lint', fixture('lint-near-miss.json'), '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).findings).toEqual([]);
  });

  it('finds nothing on the example host configuration, exit 0', async () => {
    const run = await warden('policy', 'lint', fixture('example-host.json'));
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no findings');
    for (const rule of rules) expect(run.stdout).not.toContain(rule);
  });

  it('puts the field path first for validation errors', async () => {
    const run = await warden('policy', 'lint', fixture('invalid.json'));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^enforcement: .*\[config-invalid\]$/m);
    expect(run.stdout).toMatch(/^sessions\.a\.tools\.allow: .*\[config-invalid\]$/m);
  });
});

describe('warden policy diff', () => {
  it('lists what a change grants, exit 1', async () => {
    const run = await warden('policy', 'diff', fixture('diff-old.json'), fixture('diff-new.json'), '--json');
    expect(run.code).toBe(1);
    const changes: {
      sourceType: string;
      trustLevel: string;
      session: string;
      kind: string;
      name: string;
      change: string;
    }[] = JSON.parse(run.stdout).changes;
    expect(changes).toContainEqual({
      sourceType: 'api',
      trustLevel: 'trusted',
      session: 'code',
      kind: 'capability',
      name: 'inject.network',
      change: 'granted',
    });
    expect(changes).toContainEqual({
      sourceType: 'cli',
      trustLevel: 'owner',
      session: 'code',
      kind: 'tool',
      name: 'WebFetch',
      change: 'granted',
    });
    expect(changes.every((change) => change.change === 'granted')).toBe(true);
    expect(changes.some((change) => change.trustLevel === 'untrusted' && change.kind === 'capability')).toBe(false);
    const back = await warden('policy', 'diff', fixture('diff-new.json'), fixture('diff-old.json'), '--json');
    expect(JSON.parse(back.stdout).changes.every((change: { change: string }) => change.change === 'removed')).toBe(
      true,
    );
  });

  it.each([
    ['lint', 'a missing file', [fixture('nope.json')], 'no such file'],
    ['lint', 'a file that is not JSON', [fixture('not-json.txt')], 'is not valid JSON'],
    ['lint', 'a file that repeats a key', [fixture('repeated-key.txt')], 'repeats the key at /enforcement'],
    ['lint', 'two files', [fixture('example-host.json'), fixture('example-host.json')], 'exactly one <config>'],
    ['diff', 'a missing file', [fixture('example-host.json'), fixture('nope.json')], 'no such file'],
    ['diff', 'an invalid configuration', [fixture('invalid.json'), fixture('example-host.json')], 'enforcement:'],
    [
      'diff',
      'an unknown flag',
      [fixture('diff-old.json'), fixture('diff-new.json'), '--bogus'],
      "Unknown option '--bogus'",
    ],
  ])('policy %s rejects %s with exit 2', async (command, _what, args, message) => {
    const run = await warden('policy', command, ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('reports no difference between a file and itself, exit 0', async () => {
    const run = await warden('policy', 'diff', fixture('example-host.json'), fixture('example-host.json'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('no difference');
  });
});

describe('warden help', () => {
  it.each([
    [['--help'], 'Usage: warden <command>'],
    [['policy', '--help'], 'Usage: warden policy <check|lint|diff>'],
    [['policy', 'check', '--help'], 'Usage: warden policy check'],
    [['policy', 'lint', '--help'], 'session-owner-only'],
    [['policy', 'diff', '--help'], 'Usage: warden policy diff'],
    [['kill-switch', '--help'], 'Usage: warden kill-switch'],
    [['approvals', '--help'], 'Usage: warden approvals'],
    [['audit', '--help'], 'Usage: warden audit verify'],
  ])('%j prints help, exit 0', async (args, text) => {
    const run = await warden(...args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(text);
  });

  it('rejects an unknown command with exit 2', async () => {
    const run = await warden('policy', 'frobnicate');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown policy command "frobnicate"');
  });
});

describe('no shell', () => {
  it('treats a file name full of shell syntax as a file name (attacker: whoever names the config file)', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'warden-cli-'));
    const marker = path.join(directory, 'pwned');
    const run = await warden('policy', 'lint', `${directory}/$(touch ${marker}); touch ${marker}.json`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no such file');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a hostile configuration file (attacker: whoever writes the file the command reads)', () => {
  /** Runs `warden` in process on a file holding `text`; returns what it wrote to stderr. */
  async function stderrOn(text: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-cli-')), 'security.json');
    writeFileSync(file, text);
    const errors: string[] = [];
    const code = await run(
      [...args.map((arg) => (arg === '<file>' ? file : arg))],
      { out: () => {}, err: (line) => errors.push(line) },
      {},
    );
    return { code, stderr: errors.join('\n') };
  }

  it.each([
    ['a session name in a validation error', JSON.stringify({ version: 1, sessions: { 'x\nALLOWED: forged': {} } })],
    ['the text JSON.parse quotes from an invalid file', '{\n"a": x\nALLOWED: forged\n}'],
  ])('cannot forge a line of output through %s', async (_what, text) => {
    for (const args of [
      ['policy', 'check', '<file>', '--source', 'p2p', '--tool', 'Read'],
      ['policy', 'diff', '<file>', '<file>'],
    ]) {
      const { code, stderr } = await stderrOn(text, ...args);
      expect(code).toBe(2);
      expect(stderr).toContain('\\u000aALLOWED');
      expect(stderr.split('\n').some((line) => line.startsWith('ALLOWED'))).toBe(false);
    }
  });
});

describe('a Redis URL that does not parse (attacker: whoever reads the terminal or the CI log)', () => {
  it.each([
    [['kill-switch', 'status', '--url', 'redis://:s3cret-password@127.0.0.1:notaport'], {}],
    [['approvals', 'list'], { REDIS_URL: 'redis://:s3cret-password@127.0.0.1:notaport' }],
  ])('%j exits 2 with a clear message that does not print the password', async (args, env) => {
    // It crashed with a stack trace whose error carried the whole URL, password included (exit 1,
    // which for kill-switch status reads as "active").
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const code = await run(args, io, env);
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('is not a valid Redis URL');
    expect(lines.join('\n')).not.toContain('s3cret');
  });
});

describe('warden approvals usage, before any Redis', () => {
  it.each([
    [['approvals'], 'give an action: list, show, approve or reject'],
    [['approvals', 'sign', 'apr_1'], 'unknown action "sign"'],
    [['approvals', 'show'], 'show needs a request <id>'],
    [['approvals', 'approve', 'apr_1'], 'approve needs --approver <name>'],
    [['approvals', 'reject', 'apr_1', '--approver', 'bob'], 'reject needs --reason <text>'],
    [['approvals', 'approve', 'apr_1', '--approver', 'bob', '--reason', 'x'], '--reason is only for reject'],
    [['approvals', 'list', '--tier', 'urgent'], 'unknown tier "urgent"'],
    [['approvals', 'list', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const run = await warden(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Run 'warden approvals --help' for usage.");
  });
});

describe('warden kill-switch without Redis', () => {
  it('says where to point it, exit 2', async () => {
    const run = await new Promise<Run>((resolve) => {
      const env = { ...process.env };
      delete env.REDIS_URL;
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=warden-source', 'src/main.ts', 'kill-switch', 'status'],
        { cwd: packageRoot, timeout: 50_000, env },
        (error, stdout, stderr) =>
          resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stdout, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('set REDIS_URL or pass --url');
  });
});

describe('an input that is not a regular UTF-8 file (attacker: whoever names or writes the file the command reads)', () => {
  const fifo = (): string => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-cli-')), 'security.json');
    execFileSync('mkfifo', [file]);
    return file;
  };

  it.skipIf(process.platform === 'win32').each([
    ['policy lint on a FIFO no one writes to', () => ['policy', 'lint', fifo()]],
    ['policy lint on /dev/zero', () => ['policy', 'lint', '/dev/zero']],
    ['policy check on /dev/zero', () => ['policy', 'check', '/dev/zero', '--source', 'p2p', '--tool', 'Read']],
    ['audit verify --key @FIFO', () => ['audit', 'verify', '--directory', tmpdir(), '--key', `@${fifo()}`]],
    [
      'audit verify --trusted /dev/zero',
      () => ['audit', 'verify', '--directory', tmpdir(), '--key', 'k', '--trusted', '/dev/zero'],
    ],
  ])('%s exits 2 at once instead of blocking or filling memory', async (_what, args) => {
    // A FIFO blocked the command forever; /dev/zero was read until memory ran out.
    const result = await warden(...args());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a regular file');
  });

  it('refuses a file that is not UTF-8, where the bytes a reviewer saw would be replaced', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-cli-')), 'security.json');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('{"sessions":{"main":{"tools":{"allow":["Re'),
        Buffer.from([0xff]),
        Buffer.from('ad"]}}}}'),
      ]),
    );
    const errors: string[] = [];
    const code = await run(['policy', 'lint', file], { out: () => {}, err: (line) => errors.push(line) }, {});
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('is not valid UTF-8');
  });
});

describe('an option given twice (attacker: whoever adds arguments after the ones a script sets)', () => {
  it.each([
    [['audit', 'verify', '--directory', '/nonexistent', '--key', 'trusted-key', '--key', 'attacker-key']],
    [['audit', 'verify', '--bundle=/a.json', '--bundle', '/b.json', '--key', 'k']],
    [['policy', 'check', '/nonexistent.json', '--source', 'cli', '--source', 'p2p', '--tool', 'Read']],
    [['kill-switch', 'status', '--name', 'global', '--name=other']],
    [['approvals', 'approve', 'apr_1', '--approver', 'alice', '--approver', 'bob']],
  ])('%j is a usage error, not the last value silently winning', async (args) => {
    const errors: string[] = [];
    const code = await run(args, { out: () => {}, err: (line) => errors.push(line) }, {});
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/--\w+ is given more than once/);
  });

  it('still takes --witness more than once', async () => {
    const errors: string[] = [];
    const args = ['audit', 'verify', '--directory', '/nonexistent', '--key', 'k', '--witness', 'a', '--witness', 'b'];
    const code = await run(args, { out: () => {}, err: (line) => errors.push(line) }, {});
    expect(code).toBe(2);
    expect(errors.join('\n')).not.toContain('more than once');
  });
});

describe('warden audit verify --quorum (attacker: whoever leaves the variable a script passes empty)', () => {
  it.each(['', ' ', '0x2', '1e0', '+1', '-0'])(
    '--quorum=%j is a usage error: only decimal digits are a quorum',
    async (quorum) => {
      // Number('') and Number(' ') are 0: an empty $QUORUM turned the witness check off.
      const errors: string[] = [];
      const args = ['audit', 'verify', '--directory', '/nonexistent', '--key', 'k', `--quorum=${quorum}`];
      const code = await run(args, { out: () => {}, err: (line) => errors.push(line) }, {});
      expect(code).toBe(2);
      expect(errors.join('\n')).toContain('--quorum must be a whole number');
    },
  );
});
