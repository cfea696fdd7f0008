/**
 * Docker sandbox benchmarks, side by side on one engine in one process run:
 *
 * 1. create + execute + destroy through the adapter vs `docker run --rm` through the CLI;
 * 2. `execute` on a running sandbox (supervisor) vs a plain Engine-API exec of the same command
 *    (and the adapter's own Engine-API exec fallback, for reference);
 * 3. `create` handed out from a warm pool;
 * 4. under gVisor (`runtime: 'runsc'`, when the engine has it: `WARDEN_SANDBOX_RUNTIMES`), what it
 *    costs per create and per execute, beside a plain Engine-API exec in the same sandbox.
 *
 * Run with `pnpm bench` (needs DOCKER_HOST; `source .services/env`). Targets from the issue:
 * (1) adapter no slower than `docker run --rm`; (2) execute at least 3x faster than plain exec
 * (median); (3) pool create under 20 ms (median).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { createDockerClient, createDockerSandbox, type DockerSandbox } from '../src/index.js';

const run = promisify(execFile);
const image = process.env.WARDEN_SANDBOX_TEST_IMAGE ?? 'warden-sandbox:test';
const dockerHost = process.env.DOCKER_HOST;
// The engine package's own client matches the engine's API version.
const cli = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const rounds = Number(process.env.WARDEN_BENCH_ROUNDS ?? 15);
const execRounds = Number(process.env.WARDEN_BENCH_EXEC_ROUNDS ?? 60);

interface Summary {
  name: string;
  samples: number[];
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

function median(samples: number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
}

function report(title: string, summaries: Summary[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| case | runs | median ms | p90 ms | min ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const { name, samples } of summaries) {
    const sorted = [...samples].sort((a, b) => a - b);
    const cells = [percentile(sorted, 0.5), percentile(sorted, 0.9), sorted[0] ?? Number.NaN].map((value) =>
      value.toFixed(1),
    );
    console.log(`| ${name} | ${samples.length} | ${cells.join(' | ')} |`);
  }
}

async function time(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** The same hardening as the adapter's defaults, spelled as CLI flags (an argv array, no shell). */
function dockerRunArguments(): string[] {
  return [
    'run',
    '--rm',
    '--network',
    'none',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,noexec,nosuid,nodev,size=64m,uid=65534,gid=65534,mode=1777',
    '--user',
    '65534:65534',
    '--init',
    '--memory',
    '512m',
    '--memory-swap',
    '512m',
    '--cpus',
    '0.5',
    '--pids-limit',
    '110',
    '--ulimit',
    'nofile=1024:1024',
    '--log-driver',
    'none',
    image,
    'echo',
    'hello',
  ];
}

async function benchCreateExecuteDestroy(sandbox: DockerSandbox): Promise<Summary[]> {
  const adapter: Summary = { name: 'adapter create + execute + destroy', samples: [] };
  const cliRun: Summary = { name: '`docker run --rm` (CLI)', samples: [] };
  for (let round = 0; round < rounds; round += 1) {
    adapter.samples.push(
      await time(async () => {
        const { id } = await sandbox.create();
        await sandbox.execute(id, ['echo', 'hello']);
        await sandbox.destroy(id);
      }),
    );
    cliRun.samples.push(await time(() => run(cli, dockerRunArguments(), { env: process.env })));
  }
  return [adapter, cliRun];
}

/** A plain `docker exec` through the Engine API: create, start attached, read to the end, inspect. */
async function plainEngineExec(container: Docker.Container): Promise<void> {
  const exec = await container.exec({ Cmd: ['echo', 'hello'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {});
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  await exec.inspect();
}

async function benchExecute(docker: Docker, fast: DockerSandbox, fallback: DockerSandbox): Promise<Summary[]> {
  const { id } = await fast.create();
  const { id: fallbackId } = await fallback.create();
  const container = docker.getContainer(id);
  const supervisor: Summary = { name: 'adapter execute (supervisor)', samples: [] };
  const plain: Summary = { name: 'plain Engine-API exec', samples: [] };
  const engine: Summary = { name: 'adapter execute (fastExec: false, Engine-API exec)', samples: [] };
  for (let round = 0; round < execRounds; round += 1) {
    supervisor.samples.push(await time(() => fast.execute(id, ['echo', 'hello'])));
    plain.samples.push(await time(() => plainEngineExec(container)));
    if (round % 3 === 0) engine.samples.push(await time(() => fallback.execute(fallbackId, ['echo', 'hello'])));
  }
  return [supervisor, plain, engine];
}

/** gVisor's cost: create + execute + destroy, and execute vs a plain exec, all under runsc. */
async function benchRunsc(docker: Docker, ownerId: string): Promise<Summary[]> {
  const sandbox = createDockerSandbox({ docker, image, ownerId, runtime: 'runsc', sweepOnStart: false });
  const lifecycle: Summary = { name: 'runsc: adapter create + execute + destroy', samples: [] };
  const supervisor: Summary = { name: 'runsc: adapter execute (supervisor)', samples: [] };
  const plain: Summary = { name: 'runsc: plain Engine-API exec', samples: [] };
  try {
    for (let round = 0; round < Math.max(3, Math.floor(rounds / 3)); round += 1) {
      lifecycle.samples.push(
        await time(async () => {
          const { id } = await sandbox.create();
          await sandbox.execute(id, ['echo', 'hello']);
          await sandbox.destroy(id);
        }),
      );
    }
    const { id } = await sandbox.create();
    const container = docker.getContainer(id);
    for (let round = 0; round < Math.max(5, Math.floor(execRounds / 4)); round += 1) {
      supervisor.samples.push(await time(() => sandbox.execute(id, ['echo', 'hello'])));
      plain.samples.push(await time(() => plainEngineExec(container)));
    }
  } finally {
    await sandbox.close();
  }
  return [lifecycle, supervisor, plain];
}

async function benchPool(pooled: DockerSandbox): Promise<Summary[]> {
  const summary: Summary = { name: 'create from the warm pool (size 3)', samples: [] };
  const ids: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    await pooled.warmUp();
    summary.samples.push(await time(async () => ids.push((await pooled.create()).id)));
  }
  await Promise.all(ids.map((id) => pooled.destroy(id)));
  return [summary];
}

/**
 * The median of the round-by-round ratios `slow[i] / fast[i]`: each pair ran back to back, so a
 * load swing between rounds moves both sides of a pair together.
 */
function pairedRatio(fast: Summary | undefined, slow: Summary | undefined): number {
  const ratios = (fast?.samples ?? []).map((sample, index) => (slow?.samples[index] ?? Number.NaN) / sample);
  return median(ratios.filter((ratio) => Number.isFinite(ratio)));
}

function verdicts(cold: Summary[], execute: Summary[], pool: Summary[]): void {
  const [adapter, cliRun] = cold.map((summary) => median(summary.samples)) as [number, number];
  const [supervisor, plain] = execute.map((summary) => median(summary.samples)) as [number, number];
  const poolCreate = median(pool[0]?.samples ?? []);
  console.log('\n## Targets (medians)\n');
  console.log(
    `- create+execute+destroy ${adapter.toFixed(1)} ms vs docker run --rm ${cliRun.toFixed(1)} ms: ${adapter <= cliRun ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `- execute ${supervisor.toFixed(1)} ms vs plain exec ${plain.toFixed(1)} ms = ${(plain / supervisor).toFixed(1)}x (target 3x): ${plain / supervisor >= 3 ? 'MET' : 'MISSED'}` +
      ` (median of the ${execute[0]?.samples.length ?? 0} interleaved pairs' ratios: ${pairedRatio(execute[0], execute[1]).toFixed(1)}x)`,
  );
  console.log(
    `- create from the pool ${poolCreate.toFixed(1)} ms (target < 20 ms): ${poolCreate < 20 ? 'MET' : 'MISSED'}`,
  );
}

async function main(): Promise<void> {
  if (!dockerHost) {
    console.log(
      '!!! SKIPPING Docker sandbox benchmarks: DOCKER_HOST is not set (bash scripts/services up && source .services/env)',
    );
    return;
  }
  const docker = createDockerClient(dockerHost);
  const version = await docker.version();
  console.log(
    `Engine ${version.Version} (API ${version.ApiVersion}), image ${image}, CLI ${cli}, ${rounds} rounds (${execRounds} for execute)`,
  );
  const ownerId = `bench-${process.pid}`;
  const fast = createDockerSandbox({ docker, image, ownerId });
  const fallback = createDockerSandbox({ docker, image, ownerId, fastExec: false, sweepOnStart: false });
  const pooled = createDockerSandbox({ docker, image, ownerId, pool: { size: 3 }, sweepOnStart: false });
  try {
    await fast.execute((await fast.create()).id, 'true'); // warm the engine's image and client caches
    const cold = await benchCreateExecuteDestroy(fast);
    report('create + execute + destroy', cold);
    const execute = await benchExecute(docker, fast, fallback);
    report('execute on a running sandbox', execute);
    const pool = await benchPool(pooled);
    report('create from the warm pool', pool);
    verdicts(cold, execute, pool);
    if ((process.env.WARDEN_SANDBOX_RUNTIMES ?? '').split(/[\s,]+/).includes('runsc')) {
      const gvisor = await benchRunsc(docker, ownerId);
      report('under gVisor (runsc, ptrace platform)', gvisor);
      const [, runscExecute, runscPlain] = gvisor.map((summary) => median(summary.samples)) as [number, number, number];
      console.log(
        `\n- runsc: execute ${runscExecute.toFixed(1)} ms vs plain exec ${runscPlain.toFixed(1)} ms = ${(runscPlain / runscExecute).toFixed(1)}x` +
          ` (pairs: ${pairedRatio(gvisor[1], gvisor[2]).toFixed(1)}x)`,
      );
    }
  } finally {
    await Promise.all([fast.close(), fallback.close(), pooled.close()]);
  }
}

await main();
