import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAuditLog } from '@warden/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../test/run-cli.ts';

let directory: string;
let verifierKey: string;
let trusted: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'warden-cli-audit-'));
  const log = createAuditLog({
    directory,
    signingKey: generateKeyPairSync('ed25519').privateKey,
    origin: 'warden.test/cli',
    checkpointIntervalMs: 0,
  });
  for (let index = 0; index < 8; index += 1) {
    await log.write({ type: 'tool_blocked', timestamp: 1_700_000_000_000 + index, details: { tool: `tool-${index}` } });
  }
  const checkpoint = await log.checkpoint();
  await log.close();
  verifierKey = log.verifierKey;
  trusted = path.join(directory, 'trusted.note');
  await writeFile(trusted, checkpoint.note);
  await writeFile(path.join(directory, 'key.txt'), `${verifierKey}\n`);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('warden audit verify', () => {
  it('verifies an untouched log, exit 0, with the key given inline or @file', async () => {
    const run = await runWarden([
      'audit',
      'verify',
      '--directory',
      directory,
      '--key',
      verifierKey,
      '--trusted',
      trusted,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('VERIFIED: 8 entries, 8 covered by 1 valid checkpoint');
    const json = await runWarden([
      'audit',
      'verify',
      '--directory',
      directory,
      '--key',
      `@${path.join(directory, 'key.txt')}`,
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, size: 8, problems: [] });
  });

  it('finds a cut log against the trusted checkpoint, exit 1 (attacker: whoever can write the log directory)', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'warden-cli-audit-cut-'));
    try {
      const entries = path.join(directory, 'entries');
      const segment = (await readdir(entries))[0] as string;
      const bytes = await readFile(path.join(entries, segment));
      await cp(directory, copy, { recursive: true });
      await writeFile(path.join(copy, 'entries', segment), bytes.subarray(0, 0));
      const run = await runWarden(['audit', 'verify', '--directory', copy, '--key', verifierKey, '--trusted', trusted]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^TAMPERED: /);
      expect(run.stdout).toContain('[log-truncated]');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it.each([
    ['a wrong key', (dir: string) => ['--directory', dir, '--key', wrongKey()], 'AUDIT_SIGNATURE'],
    ['a missing directory', (dir: string) => ['--directory', `${dir}-nope`, '--key', 'k'], 'no such directory'],
    ['a directory that is not a log', () => ['--directory', tmpdir(), '--key', 'k'], 'not an audit log directory'],
    [
      'both --directory and --bundle',
      (dir: string) => ['--directory', dir, '--bundle', 'b.json', '--key', 'k'],
      'exactly one of',
    ],
    ['no --key', (dir: string) => ['--directory', dir], '--key <verifier key | @file> is required'],
    ['an unknown flag', (dir: string) => ['--directory', dir, '--key', 'k', '--bogus'], "Unknown option '--bogus'"],
  ])('rejects %s with exit 2 and a clear message', async (_what, args, message) => {
    const run = await runWarden(['audit', 'verify', ...args(directory)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

function wrongKey(): string {
  const other = createAuditLog({
    directory: path.join(tmpdir(), 'unused'),
    signingKey: generateKeyPairSync('ed25519').privateKey,
    origin: 'warden.test/cli',
  });
  return other.verifierKey;
}

describe('a bundle file that holds no object (attacker: whoever hands the operator the bundle)', () => {
  it.each(['null', 'false', '0', '""'])(
    '%s is refused, exit 2, never read as "verify the current directory"',
    async (text) => {
      // The verifier took a falsy bundle for none and verified '.': run from inside a log
      // directory, a bundle file holding `null` verified that log instead (exit 0).
      const bundle = path.join(await mkdtemp(path.join(tmpdir(), 'warden-cli-bundle-')), 'bundle.json');
      await writeFile(bundle, text);
      const require = createRequire(import.meta.url);
      const main = fileURLToPath(new URL('./main.ts', import.meta.url));
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [
            '--import',
            pathToFileURL(require.resolve('tsx')).href,
            '--conditions=warden-source',
            main,
            'audit',
            'verify',
            '--bundle',
            bundle,
            '--key',
            verifierKey,
          ],
          { cwd: directory, timeout: 100_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
      expect(run.stdout).not.toContain('VERIFIED');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('is not an audit bundle');
    },
  );
});
