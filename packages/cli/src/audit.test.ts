import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
