/**
 * Appends per second: the Merkle audit log with a checkpoint every second against a plain
 * JSON-lines append of the same events at the same durability: both group-commit the writes
 * that arrive together into one `write` and one `fdatasync`, with the same number of writes in
 * flight. Targets: at least half the plain rate and at least 5,000 appends/s.
 *
 * The runs are interleaved: every round gives each side one slice of the same length, in a
 * rotating order, so that all sides see the same machine load (this machine is shared and its
 * disk latency swings tenfold within seconds). The table gives each side's rate over all its
 * slices and the median of the ratios taken within a round. One audit log lives through the
 * whole run, as it would in a host, and signs a checkpoint every second of its own time: its
 * clock runs only during its slices, so none of its checkpoints lands in another side's slice.
 *
 * Two baselines: "plain" writes `JSON.stringify(event)` as it is; "plain, redacted" first runs
 * core's `redactSecrets` (what Warden's emitter does before any sink), so that it writes no
 * secret either. The audit log redacts inside `write` (HMACs), so it gets the raw events.
 *
 * Every side first runs BENCH_WARMUP_ROUNDS rounds in the same rotation that the table does not
 * count, so that it measures each side once V8 has compiled its code: the audit log has more code
 * to compile than a `JSON.stringify`, and on an idle machine its first two seconds run at about
 * half its later rate. The report gives those rounds' ratio on its own line.
 *
 * Settings (environment): BENCH_SLICE_MS (250), BENCH_WARMUP_ROUNDS (8), BENCH_ROUNDS (24),
 * BENCH_IN_FLIGHT (256).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactSecrets, type SecurityEvent } from '@warden/core';
import { createAuditLog, createFileAuditStorage } from '../src/index.ts';
import { benchEvent } from './bench-events.ts';

const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 250);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 24);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);

interface Sink {
  write(event: SecurityEvent): Promise<void>;
  /** Events written so far (numbers the next event). */
  written: number;
}

// The baseline: what Warden's example host did before, made equally durable (group commit, one fdatasync per batch).
async function plainJsonLines(file: string, redact: boolean): Promise<Sink & { close(): Promise<void> }> {
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
    written: 0,
    close: () => handle.close(),
  };
}

/** What one slice did: events acknowledged, wall-clock seconds, CPU seconds of the whole process (every thread). */
interface Measure {
  events: number;
  seconds: number;
  cpuSeconds: number;
}

// One slice: IN_FLIGHT writers, each awaiting its write before the next, until SLICE_MS have passed.
async function slice(sink: Sink): Promise<Measure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SLICE_MS;
  let events = 0;
  const writer = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await sink.write(benchEvent(sink.written++));
      events += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, writer));
  const { user, system } = process.cpuUsage(cpu);
  return { events, seconds: (performance.now() - started) / 1000, cpuSeconds: (user + system) / 1e6 };
}

// The audit log's clock: it runs only while the audit log has a slice.
function pausableClock(): { now: () => number; run: <T>(work: () => Promise<T>) => Promise<T> } {
  let elapsed = 0;
  let resumedAt: number | undefined;
  return {
    now: () => elapsed + (resumedAt === undefined ? 0 : performance.now() - resumedAt),
    async run(work) {
      resumedAt = performance.now();
      try {
        return await work();
      } finally {
        elapsed += performance.now() - resumedAt;
        resumedAt = undefined;
      }
    },
  };
}

// The `fraction` quantile, interpolated between the two nearest values (0.5: the median).
const quantile = (values: readonly number[], fraction: number): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const position = (sorted.length - 1) * fraction;
  const below = sorted[Math.floor(position)] ?? 0;
  const above = sorted[Math.ceil(position)] ?? 0;
  return below + (above - below) * (position - Math.floor(position));
};
const median = (values: readonly number[]): number => quantile(values, 0.5);
const rate = (value: number): string => Math.round(value).toLocaleString('en');

const directory = await mkdtemp(join(tmpdir(), 'warden-audit-bench-'));
const loadBefore = loadavg()[0] ?? 0;
const plain = await plainJsonLines(join(directory, 'plain.jsonl'), false);
const redacted = await plainJsonLines(join(directory, 'redacted.jsonl'), true);
const clock = pausableClock();
const log = createAuditLog({
  directory: join(directory, 'audit'),
  signingKey: generateKeyPairSync('ed25519').privateKey,
  checkpointIntervalMs: 1000,
  now: clock.now,
});
const audit: Sink = { write: (item) => log.write(item), written: 0 };
const runs: Record<'plain' | 'redacted' | 'audit', () => Promise<Measure>> = {
  plain: () => slice(plain),
  redacted: () => slice(redacted),
  audit: () => clock.run(() => slice(audit)),
};
const order = ['plain', 'redacted', 'audit'] as const;
type Rates = Record<(typeof order)[number], number>;
const rounds: Rates[] = [];
const totals: Record<(typeof order)[number], Measure> = {
  plain: { events: 0, seconds: 0, cpuSeconds: 0 },
  redacted: { events: 0, seconds: 0, cpuSeconds: 0 },
  audit: { events: 0, seconds: 0, cpuSeconds: 0 },
};
const warmup: Rates[] = [];
try {
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
    const counted = round >= WARMUP_ROUNDS;
    const rates: Rates = { plain: 0, redacted: 0, audit: 0 };
    for (let step = 0; step < order.length; step += 1) {
      const side = order[(round + step) % order.length] ?? 'plain';
      const { events, seconds, cpuSeconds } = await runs[side]();
      rates[side] = events / seconds;
      if (!counted) continue;
      totals[side].events += events;
      totals[side].seconds += seconds;
      totals[side].cpuSeconds += cpuSeconds;
    }
    (counted ? rounds : warmup).push(rates);
  }
  await Promise.all([plain.close(), redacted.close(), log.close()]);
  const checkpoints = createFileAuditStorage({ directory: join(directory, 'audit', 'checkpoints'), readOnly: true });
  const signed = await checkpoints.size();
  await checkpoints.close();
  report(signed);
} finally {
  await rm(directory, { recursive: true, force: true });
}

function report(signed: number): void {
  const overall = (side: keyof Rates): number => totals[side].events / totals[side].seconds;
  const ratio = median(rounds.map((rates) => rates.audit / rates.plain));
  const redactedRatio = median(rounds.map((rates) => rates.audit / rates.redacted));
  console.log(
    `${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up rounds not counted) × one ${SLICE_MS} ms slice per side, in rotating order; ${IN_FLIGHT} writes in flight; every side: one write + one fdatasync per group-committed batch`,
  );
  console.log(
    `load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after (2 cores); the audit log signed ${signed} checkpoints in ${totals.audit.seconds.toFixed(1)} s of its own time\n`,
  );
  console.log(
    '| | plain JSON-lines | plain + core redaction | audit log (checkpoint every 1 s) | audit ÷ plain | audit ÷ plain redacted |',
  );
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| appends/s over all slices | ${rate(overall('plain'))} | ${rate(overall('redacted'))} | ${rate(overall('audit'))} | ${(overall('audit') / overall('plain')).toFixed(2)} | ${(overall('audit') / overall('redacted')).toFixed(2)} |`,
  );
  console.log(
    `| median of rounds | ${rate(median(rounds.map((rates) => rates.plain)))} | ${rate(median(rounds.map((rates) => rates.redacted)))} | ${rate(median(rounds.map((rates) => rates.audit)))} | ${ratio.toFixed(2)} | ${redactedRatio.toFixed(2)} |`,
  );
  const cpu = (side: keyof Rates): string => ((totals[side].cpuSeconds * 1e6) / totals[side].events).toFixed(1);
  console.log(
    `| CPU µs per append (process, all threads) | ${cpu('plain')} | ${cpu('redacted')} | ${cpu('audit')} | | |`,
  );
  console.log(
    `| events written | ${totals.plain.events.toLocaleString('en')} | ${totals.redacted.events.toLocaleString('en')} | ${totals.audit.events.toLocaleString('en')} | | |`,
  );
  const ratios = rounds.map((rates) => rates.audit / rates.plain);
  const cpuRatio = totals.plain.cpuSeconds / totals.plain.events / (totals.audit.cpuSeconds / totals.audit.events);
  console.log(
    `\naudit ÷ plain per round: quartiles ${quantile(ratios, 0.25).toFixed(2)} / ${ratio.toFixed(2)} / ${quantile(ratios, 0.75).toFixed(2)}, lowest ${Math.min(...ratios).toFixed(2)}. ` +
      `What bounds it: were both sides bound by CPU alone, the ratio would be plain CPU ÷ audit CPU = ${cpuRatio.toFixed(2)}; by the disk alone (waiting on the same fdatasync), 1.`,
  );
  if (warmup.length > 0) {
    const cold = warmup.map((rates) => rates.audit / rates.plain);
    console.log(
      `warm-up rounds (not counted): audit ÷ plain median ${median(cold).toFixed(2)}, first round ${(cold[0] ?? 0).toFixed(2)}, last ${(cold.at(-1) ?? 0).toFixed(2)}.`,
    );
  }
  const auditRate = overall('audit');
  const overallRatio = auditRate / overall('plain');
  console.log(
    `target audit ≥ 0.5 × plain: ${overallRatio >= 0.5 && ratio >= 0.5 ? 'met' : 'NOT met'} (${overallRatio.toFixed(2)} overall, ${ratio.toFixed(2)} median of rounds); target ≥ 5,000 appends/s: ${auditRate >= 5000 ? 'met' : 'NOT met'} (${rate(auditRate)})`,
  );
}
