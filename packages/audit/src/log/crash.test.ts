import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../verify/verifier.ts';
import { createAuditLog } from './audit-log.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

// Runs the child until it has acknowledged `wanted` events, then SIGKILLs it; returns the acknowledged numbers.
function runUntilKilled(directory: string, start: number, seed: string, wanted: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const acked: number[] = [];
    const process_: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', child, directory, String(start), seed],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffered = '';
    let stderr = '';
    process_.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    process_.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      if (acked.length >= wanted) process_.kill('SIGKILL');
    });
    process_.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`crash child exited on its own (${_code}): ${stderr}`));
    });
  });
}

describe('crash: a process killed mid-write (SIGKILL at random points)', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-crash-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reopens, verifies, and holds every entry whose append was acknowledged', async () => {
    const seed = randomBytes(32).toString('hex');
    let size = 0;
    for (let round = 0; round < 3; round += 1) {
      const wanted = 1 + Math.floor(Math.random() * 200);
      const acked = await runUntilKilled(directory, size, seed, wanted);
      expect(acked.length).toBeGreaterThanOrEqual(wanted);
      const log = createAuditLog({
        directory,
        signingKey: Buffer.from(seed, 'hex'),
        origin: 'warden.test/crash',
        checkpointIntervalMs: 0,
      });
      size = await log.size();
      for (const index of acked) {
        expect(index).toBeLessThan(size);
        expect((await log.entry(index)).event.details.index).toBe(index);
      }
      const report = await verifyAuditLog({ directory, verifierKey: log.verifierKey });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      await log.close();
    }
    // Three cold starts of a TypeScript child on a loaded two-core machine: the timeout only guards a hang.
  }, 900_000);
});
