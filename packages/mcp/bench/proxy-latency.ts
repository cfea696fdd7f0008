/**
 * Added latency per `tools/call` and throughput, proxy vs direct to the same upstream in the
 * same run, at a fixed concurrency on loopback, for the stdio wrapper and the HTTP gateway.
 *
 * Proxy and direct rounds are interleaved in one run (ABBA order) and medians reported with the
 * load average, since the machine's load moves more than the proxy's cost does. The proxy
 * process's own CPU time per call is read from `/proc` as the figure load does not inflate much.
 *
 * Run: `pnpm --filter @warden/mcp bench` (optional: BENCH_CALLS per side per round,
 * BENCH_ROUNDS, BENCH_CONCURRENCY, BENCH_NODE_FLAGS for the proxy, e.g. `--cpu-prof`, BENCH_MODES
 * `stdio`, `http` or both, comma-separated, BENCH_FLOOR=1 to also measure, in the same rotation, a
 * byte relay in the proxy's place: `bench/byte-relay.ts`, the cost of the extra process hop alone).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const calls = Number(process.env.BENCH_CALLS ?? 500);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const modes = (process.env.BENCH_MODES ?? 'stdio,http').split(',');
const floor = process.env.BENCH_FLOOR === '1';
const byteRelay = ['--import', 'tsx', path.join(fileURLToPath(new URL('.', import.meta.url)), 'byte-relay.ts')];
const warmup = 200;
const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const wardenArgs = [
  ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
  '--import',
  'tsx',
  '--conditions',
  'warden-source',
  path.join(packageDir, 'src/cli/main.ts'),
];
const children: ChildProcess[] = [];

interface Measurement {
  p50: number;
  p99: number;
  perSecond: number;
}

/** One round: direct and proxied measured back to back, plus the CPU the proxy process spent. */
interface Round {
  direct: Measurement;
  proxied: Measurement;
  /** CPU time of the proxy process per proxied call, in ms (Linux `/proc`; NaN elsewhere). */
  proxyCpuMs: number;
  /** CPU time of the upstream and of this (client) process per direct call, in ms. */
  directCpuMs: number;
  /** With BENCH_FLOOR=1: the byte relay in the proxy's place, and its CPU per call. */
  relay?: Measurement;
  relayCpuMs?: number;
  load: number;
}

/** utime + stime of a process, in ms (clock ticks assumed 100/s, as on Linux). */
function cpuMsOf(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** Rounds alternate which side goes first (ABBA), so drift in the machine's load cancels. */
async function interleave(
  direct: Client,
  proxied: Client,
  proxyPid: number | null | undefined,
  upstreamPid: number | null | undefined,
  relay?: { client: Client; pid: number | null | undefined },
): Promise<Round[]> {
  await measure(direct, warmup);
  await measure(proxied, warmup);
  if (relay) await measure(relay.client, warmup);
  const result: Round[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const load = loadavg()[0] ?? Number.NaN;
    const proxyFirst = round % 2 === 1;
    let cpuBefore = Number.NaN;
    let cpuAfter = Number.NaN;
    const runProxied = async () => {
      cpuBefore = cpuMsOf(proxyPid);
      const measured = await measure(proxied, calls);
      cpuAfter = cpuMsOf(proxyPid);
      return measured;
    };
    let directCpu = Number.NaN;
    const runDirect = async () => {
      const before = cpuMsOf(upstreamPid) + process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
      const measured = await measure(direct, calls);
      const after = cpuMsOf(upstreamPid) + process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
      directCpu = (after - before) / calls;
      return measured;
    };
    let relayCpu = Number.NaN;
    const runRelay = async () => {
      if (!relay) return undefined;
      const before = cpuMsOf(relay.pid);
      const measured = await measure(relay.client, calls);
      relayCpu = (cpuMsOf(relay.pid) - before) / calls;
      return measured;
    };
    const relayFirst = proxyFirst ? await runRelay() : undefined;
    const first = proxyFirst ? await runProxied() : await runDirect();
    const second = proxyFirst ? await runDirect() : await runProxied();
    const relayed = relayFirst ?? (await runRelay());
    result.push({
      direct: proxyFirst ? second : first,
      proxied: proxyFirst ? first : second,
      proxyCpuMs: (cpuAfter - cpuBefore) / calls,
      directCpuMs: directCpu,
      ...(relayed ? { relay: relayed, relayCpuMs: relayCpu } : {}),
      load,
    });
  }
  return result;
}

function writeConfig(upstream: Record<string, unknown>, port?: number): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-mcp-bench-')), 'warden-mcp.json');
  const config = {
    upstreams: { everything: upstream },
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['*'],
      sessions: { everything: { tools: { deny: ['get-env'] } } },
    },
    pinning: { mode: 'enforce', trustOnFirstUse: true },
    tools: { 'everything/echo': { arguments: { message: { kind: 'size', maxBytes: 1024 } } } },
    ...(port === undefined ? {} : { http: { port } }),
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (
      await fetch(url, { method: 'GET' }).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not start`);
}

function start(file: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function measure(client: Client, count: number): Promise<Measurement> {
  const call = () => client.callTool({ name: 'echo', arguments: { message: 'bench' } });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const begin = performance.now();
        await call();
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), perSecond: latencies.length / elapsed };
}

async function connect(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function benchStdio(): Promise<Round[]> {
  const directTransport = new StdioClientTransport({
    command: process.execPath,
    args: [everything, 'stdio'],
    stderr: 'ignore',
  });
  const direct = await connect(directTransport);
  const config = writeConfig({ command: [process.execPath, everything, 'stdio'] });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...wardenArgs, '--config', config],
    cwd: packageDir,
    stderr: 'ignore',
  });
  const proxied = await connect(transport);
  const relayTransport = floor
    ? new StdioClientTransport({
        command: process.execPath,
        args: [...byteRelay, 'stdio', '--', process.execPath, everything, 'stdio'],
        cwd: packageDir,
        stderr: 'ignore',
      })
    : undefined;
  const relay = relayTransport ? { client: await connect(relayTransport), pid: relayTransport.pid } : undefined;
  const result = await interleave(direct, proxied, transport.pid, directTransport.pid, relay);
  await direct.close();
  await proxied.close();
  await relay?.client.close();
  return result;
}

async function benchHttp(): Promise<Round[]> {
  const upstreamPort = await freePort();
  const gatewayPort = await freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const upstream = start(process.execPath, [everything, 'streamableHttp'], { PORT: String(upstreamPort) });
  await waitForHttp(upstreamUrl);
  const gateway = start(process.execPath, [
    ...wardenArgs,
    'serve',
    '--config',
    writeConfig({ url: upstreamUrl }, gatewayPort),
  ]);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  await waitForHttp(gatewayUrl);
  const direct = await connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));
  const proxied = await connect(new StreamableHTTPClientTransport(new URL(gatewayUrl)));
  let relay: { client: Client; pid: number | undefined } | undefined;
  if (floor) {
    const relayPort = await freePort();
    const relayProcess = start(process.execPath, [...byteRelay, 'http', String(relayPort), upstreamUrl]);
    const relayUrl = `http://127.0.0.1:${relayPort}/mcp`;
    await waitForHttp(relayUrl);
    relay = { client: await connect(new StreamableHTTPClientTransport(new URL(relayUrl))), pid: relayProcess.pid };
  }
  const result = await interleave(direct, proxied, gateway.pid, upstream.pid, relay);
  await direct.close();
  await proxied.close();
  await relay?.client.close();
  return result;
}

/** One table row; `relay` reports the byte relay's side in place of the proxy's. */
function row(mode: string, measured: Round[], relay = false): string {
  const ms = (value: number) => value.toFixed(2);
  const of = (pick: (round: Round) => number) => median(measured.map(pick));
  const side = (round: Round): Measurement => (relay ? (round.relay ?? round.proxied) : round.proxied);
  const cpu = (round: Round): number => (relay ? (round.relayCpuMs ?? Number.NaN) : round.proxyCpuMs);
  const loads = measured.map((round) => round.load);
  return `| ${mode} | ${ms(of((r) => r.direct.p50))} | ${ms(of((r) => side(r).p50))} | ${ms(of((r) => side(r).p50 - r.direct.p50))} | ${ms(of((r) => r.direct.p99))} | ${ms(of((r) => side(r).p99))} | ${ms(of((r) => side(r).p99 - r.direct.p99))} | ${of((r) => r.direct.perSecond).toFixed(0)} | ${of((r) => side(r).perSecond).toFixed(0)} | ${of((r) => (100 * side(r).perSecond) / r.direct.perSecond).toFixed(0)} % | ${ms(of(cpu))} | ${ms(of((r) => r.directCpuMs))} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`;
}

try {
  const stdio = modes.includes('stdio') ? await benchStdio() : undefined;
  const http = modes.includes('http') ? await benchHttp() : undefined;
  console.log(
    `tools/call echo, ${rounds} interleaved rounds of ${calls} calls per side after ${warmup} warm-up, concurrency ${concurrency}, loopback, Node ${process.version}, ${cpus().length} CPUs`,
  );
  console.log(
    'medians over the rounds; "added" and "proxy/direct" are medians of the per-round differences and ratios',
  );
  console.log(
    '| mode | p50 direct (ms) | p50 proxy | p50 added | p99 direct | p99 proxy | p99 added | calls/s direct | calls/s proxy | proxy/direct | proxy CPU ms/call | client + upstream CPU ms/call (direct) | load (1 min) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  if (stdio) console.log(row('stdio', stdio));
  if (http) console.log(row('Streamable HTTP', http));
  if (stdio && floor) console.log(row('stdio, byte relay (floor)', stdio, true));
  if (http && floor) console.log(row('Streamable HTTP, byte relay (floor)', http, true));
} finally {
  // SIGTERM first: the gateway exits cleanly (and writes its CPU profile under --cpu-prof).
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
