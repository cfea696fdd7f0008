/**
 * Appends per second: the Merkle audit log with a checkpoint every second against a plain
 * JSON-lines append of the same events, both with one `fdatasync` per group-committed batch
 * and the same number of writes in flight. Targets: at least half the plain rate and at least
 * 5,000 appends/s.
 *
 * Two baselines: "plain" writes `JSON.stringify(event)` as is; "plain, redacted" first runs
 * core's `redactSecrets` (what Warden's emitter does before any sink), so that both sides write
 * nothing secret. The audit log redacts inside `write` (HMACs), so it gets the raw events.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets, type SecurityEvent } from '@warden/core';
import { createAuditLog } from '../src/index.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 256;

const events: SecurityEvent[] = Array.from({ length: EVENTS }, (_, index) => ({
  type: index % 5 === 0 ? 'tool_blocked' : 'access_granted',
  timestamp: 1_700_000_000_000 + index,
  session: `session-${index % 17}`,
  details: { tool: `fs.read`, path: `/workspace/file-${index}.txt`, capability: 'fs.read', apiKey: `sk-${index}` },
}));

type Sink = { write(event: SecurityEvent): Promise<void>; close(): Promise<void> };

// The baseline: what Warden did before, made equally durable (group commit, one fdatasync per batch).
async function plainJsonLines(file: string, redact: boolean): Promise<Sink> {
  const handle = await open(file, 'a');
  let pending: { line: string; resolve: () => void }[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await handle.write(batch.map((item) => item.line).join(''));
      await handle.datasync();
      for (const item of batch) item.resolve();
    }
    draining = false;
  };
  return {
    write(event) {
      return new Promise((resolve) => {
        pending.push({ line: `${JSON.stringify(redact ? redactSecrets(event) : event)}\n`, resolve });
        if (!draining) {
          draining = true;
          void drain();
        }
      });
    },
    close: () => handle.close(),
  };
}

async function run(sink: Sink): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < events.length) {
      const event = events[next++];
      if (event) await sink.write(event);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  return EVENTS / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function row(label: string, plain: number, redacted: number, audit: number, checkpointed: boolean): string {
  const rate = (value: number): string => Math.round(value).toLocaleString('en');
  return `| ${label} | ${rate(plain)} | ${rate(redacted)} | ${rate(audit)}${checkpointed ? '' : ' (no checkpoint)'} | ${(audit / plain).toFixed(2)} / ${(audit / redacted).toFixed(2)} | ${audit >= 5000 ? 'met' : 'MISSED'} |`;
}

const directory = await mkdtemp(join(tmpdir(), 'warden-audit-bench-'));
const rows: string[] = [];
try {
  const medians: number[][] = [[], [], []];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const plain = await run(await plainJsonLines(join(directory, `plain-${round}.jsonl`), false));
    const redacted = await run(await plainJsonLines(join(directory, `redacted-${round}.jsonl`), true));
    let checkpoints = 0;
    const log = createAuditLog({
      directory: join(directory, `audit-${round}`),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      checkpointIntervalMs: 1000,
    });
    const audit = await run({
      write: (event) => log.write(event),
      close: async () => {
        checkpoints = (await log.latestCheckpoint()) ? 1 : 0;
        await log.close();
      },
    });
    medians[0]?.push(plain);
    medians[1]?.push(redacted);
    medians[2]?.push(audit);
    rows.push(row(String(round), plain, redacted, audit, checkpoints > 0));
  }
  const [plain, redacted, audit] = medians.map(median) as [number, number, number];
  rows.push(row('**median**', plain, redacted, audit, true));
} finally {
  await rm(directory, { recursive: true, force: true });
}
console.log(
  `${EVENTS.toLocaleString('en')} events, ${IN_FLIGHT} writes in flight, one fdatasync per batch on both sides\n`,
);
console.log(
  '| round | plain JSON-lines/s | plain, redacted/s | audit log/s (checkpoint every 1 s) | ratio to plain / to redacted (target ≥ 0.5) | ≥ 5,000/s |',
);
console.log('|---|---|---|---|---|---|');
console.log(rows.join('\n'));
