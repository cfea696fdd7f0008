import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../log/index.ts';
import { encodeFrames, scanSegment } from '../storage/segment-format.ts';
import { sampleEvent, tamper } from '../verify/test-support.ts';
import { runCli } from './run.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('warden-audit verify (an attacker with write access to the log directory)', () => {
  let directory: string;
  let verifierKey: string;
  let trusted: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-cli-'));
    const log = createAuditLog({
      directory,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      origin: 'warden.test/cli',
      checkpointIntervalMs: 0,
    });
    for (let index = 0; index < 12; index += 1) await log.write(sampleEvent(index));
    const checkpoint = await log.checkpoint();
    await log.close();
    verifierKey = log.verifierKey;
    trusted = join(directory, 'trusted.note');
    await writeFile(trusted, checkpoint.note);
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const segmentFile = async () => join(directory, 'entries', (await readdir(join(directory, 'entries')))[0] ?? '');

  it('refuses a --quorum that is not a count (exit 2) instead of requiring no cosignature', async () => {
    for (const quorum of ['one', '-1', '1.5', '', ' 1']) {
      const result = await run(['verify', '--directory', directory, '--key', verifierKey, `--quorum=${quorum}`]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/INVALID_INPUT.*witnessQuorum/);
    }
  });

  it('refuses an option given twice (exit 2) instead of keeping the last: a later --trusted must not replace the one a script chose', async () => {
    for (const repeated of [
      ['--trusted', trusted, '--trusted', trusted],
      ['--key', verifierKey],
      ['--quorum', '0', '--quorum', '0'],
      ['--json', '--json'],
    ]) {
      const result = await run(['verify', '--directory', directory, '--key', verifierKey, ...repeated]);
      expect(result.code, repeated.join(' ')).toBe(2);
      expect(result.err).toMatch(/INVALID_INPUT: --\w+ is given more than once/);
    }
  });

  it('refuses a FIFO or a device as --trusted, --bundle or --key @file (exit 2, INVALID_INPUT) instead of waiting or reading forever', async () => {
    const fifo = join(directory, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [label, argv] of [
      ['--trusted fifo', ['--directory', directory, '--key', verifierKey, '--trusted', fifo]],
      ['--bundle fifo', ['--bundle', fifo, '--key', verifierKey]],
      ['--key @fifo', ['--directory', directory, '--key', `@${fifo}`]],
      ['--bundle /dev/zero', ['--bundle', '/dev/zero', '--key', verifierKey]],
    ] as const) {
      const result = await run(['verify', ...argv]);
      expect(result.code, label).toBe(2);
      expect(result.err, label).toMatch(/INVALID_INPUT: cannot read .*: it is not a regular file/);
    }
  });

  it('verifies an untouched directory and an exported bundle (exit 0)', async () => {
    const verified = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted]);
    expect(verified).toMatchObject({ code: 0, err: '' });
    expect(verified.out).toMatch(/^OK: 12 entries, 12 covered/);
    const exported = await run(['export', '--directory', directory]);
    const bundle = join(directory, 'bundle.json');
    await writeFile(bundle, exported.out);
    expect((await run(['verify', '--bundle', bundle, '--key', verifierKey])).code).toBe(0);
  });

  it('a segment rewritten with valid checksums but an edited entry: exit 1 naming entry 5', async () => {
    const file = await segmentFile();
    const bytes = await readFile(file);
    const offsets = [...scanSegment(bytes).offsets, bytes.length];
    const records = offsets.slice(0, -1).map((offset, index) => bytes.subarray(offset + 8, offsets[index + 1]));
    await writeFile(file, encodeFrames(tamper(records, 'edit', 5)));
    const result = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('entry 5 was modified');
  });

  it('a flipped byte is AUDIT_LOG_CORRUPTED (exit 2) naming the segment, a cut file a truncation (exit 1)', async () => {
    const file = await segmentFile();
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(20) ^ 1, 20);
    await writeFile(file, bytes);
    const corrupted = await run(['verify', '--directory', directory, '--key', verifierKey]);
    expect(corrupted.code).toBe(2);
    expect(corrupted.err).toMatch(/AUDIT_LOG_CORRUPTED: .*00000000000000000000\.seg/);
    bytes.writeUInt8(bytes.readUInt8(20) ^ 1, 20);
    await writeFile(file, bytes);
    await truncate(file, scanSegment(bytes).offsets[9]);
    const cut = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted, '--json']);
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.out).problems[0]).toMatchObject({ kind: 'log-truncated', index: 9 });
  });

  it('a log whose entries end in zeros (a power cut, or an attacker appending them) verifies with the zeros reported as a skipped torn write, never read as entries; zeros in an older place are AUDIT_LOG_CORRUPTED (exit 2)', async () => {
    const file = await segmentFile();
    const intact = await readFile(file);
    await appendFile(file, Buffer.alloc(4096));
    const verified = await run([
      'verify',
      '--directory',
      directory,
      '--key',
      verifierKey,
      '--trusted',
      trusted,
      '--json',
    ]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({
      ok: true,
      size: 12,
      tornTail: { file: '00000000000000000000.seg', offset: intact.length, droppedBytes: 4096 },
    });
    const plain = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted]);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('skipped 4096 bytes of an unacknowledged torn write');
    const zeroed = Buffer.from(intact);
    const fifth = scanSegment(intact).offsets[5] ?? 0;
    zeroed.fill(0, fifth, fifth + 8);
    await writeFile(file, zeroed);
    const corrupted = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted]);
    expect(corrupted.code).toBe(2);
    expect(corrupted.err).toMatch(new RegExp(`AUDIT_LOG_CORRUPTED: .*00000000000000000000\\.seg.* at byte ${fifth}`));
  });

  it('a wrong key is AUDIT_SIGNATURE_INVALID (exit 2); bad arguments print usage (exit 2)', async () => {
    const other = createAuditLog({
      directory: join(directory, 'other'),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      origin: 'warden.test/cli',
    });
    const wrongKey = await run(['verify', '--directory', directory, '--key', other.verifierKey]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.err).toContain('AUDIT_SIGNATURE_INVALID');
    expect((await run(['verify', '--directory', directory])).err).toContain('usage:');
  });

  // The terminal acts on these rather than showing them: ESC and the one-character CSI (U+009B)
  // start escape sequences, BEL ends a retitling OSC, U+202E reverses what follows.
  const HOSTILE = '\u001b]0;owned\u0007\u009b2J\u202e';
  const unsafe = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
  const printed = (text: string): string => text.replace(/\n/g, '');

  it("prints nothing the log chose that a terminal acts on: a forged checkpoint's signer name (exit 1, plain and --json)", async () => {
    const checkpoints = join(directory, 'checkpoints');
    const segment = join(checkpoints, (await readdir(checkpoints)).find((name) => name.endsWith('.seg')) ?? '');
    const forged = `warden.test/cli\n12\n${Buffer.alloc(32).toString('base64')}\n\n\u2014 ${HOSTILE} ${Buffer.alloc(68).toString('base64')}\n`;
    await appendFile(segment, encodeFrames([Buffer.from(forged, 'utf8')]));
    for (const json of [[], ['--json']]) {
      const result = await run(['verify', '--directory', directory, '--key', verifierKey, ...json]);
      expect(result.code).toBe(1);
      expect(result.out).toContain('\\u001b]0;owned');
      expect(printed(result.out)).not.toMatch(unsafe);
    }
  });

  it('prints nothing a bundle file chose that a terminal acts on, when it is not JSON (exit 2)', async () => {
    const bundle = join(directory, 'bundle.json');
    await writeFile(bundle, `${HOSTILE} not json`);
    const result = await run(['verify', '--bundle', bundle, '--key', verifierKey]);
    expect(result.code).toBe(2);
    expect(printed(result.err)).not.toMatch(unsafe);
  });

  it('an OK says what it did not cover: entries past every checkpoint (all deleted) and, without --trusted, a cut-back log', async () => {
    const covered = await run(['verify', '--directory', directory, '--key', verifierKey, '--trusted', trusted]);
    expect(covered.out).not.toContain('note:');
    const untrusted = await run(['verify', '--directory', directory, '--key', verifierKey]);
    expect(untrusted.out).toContain('note: without --trusted, a log cut back to an earlier signed checkpoint');
    // Whoever can write the directory deletes every checkpoint: still OK, but it must say it covers nothing.
    await rm(join(directory, 'checkpoints'), { recursive: true, force: true });
    await mkdir(join(directory, 'checkpoints'));
    const bare = await run(['verify', '--directory', directory, '--key', verifierKey]);
    expect(bare.out).toMatch(/^OK: 12 entries, 0 covered/);
    expect(bare.out).toContain('note: entries 0 to 11 are not covered by a checkpoint yet');
  });

  it('a mistyped directory, or one that is not a log, is INVALID_INPUT (exit 2), never an empty log that verifies', async () => {
    const mistakes: Array<[path: string, problem: string]> = [
      [`${directory}-typo`, 'no such directory'],
      [join(directory, 'entries', '..', 'checkpoints'), 'not an audit log directory'],
      [tmpdir(), 'not an audit log directory'],
    ];
    for (const [path, problem] of mistakes) {
      const result = await run(['verify', '--directory', path, '--key', verifierKey]);
      expect(result.code, path).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toContain('INVALID_INPUT');
      expect(result.err).toContain(problem);
    }
  });
});
