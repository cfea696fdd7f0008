/**
 * Added latency per `tools/call` and throughput, proxy vs direct to the same upstream in the
 * same run, at a fixed concurrency on loopback, for the stdio wrapper and the HTTP gateway.
 *
 * Run: `pnpm --filter @warden/mcp bench` (optional: BENCH_CALLS, BENCH_CONCURRENCY).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const calls = Number(process.env.BENCH_CALLS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const warmup = 200;
const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const wardenArgs = ['--import', 'tsx', '--conditions', 'warden-source', path.join(packageDir, 'src/cli/main.ts')];
const children: ChildProcess[] = [];

interface Measurement {
  p50: number;
  p99: number;
  perSecond: number;
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

function start(file: string, args: string[], env: Record<string, string> = {}): void {
  children.push(spawn(file, args, { env: { ...process.env, ...env }, stdio: 'ignore' }));
}

async function measure(client: Client): Promise<Measurement> {
  const call = () => client.callTool({ name: 'echo', arguments: { message: 'bench' } });
  for (let index = 0; index < warmup; index += 1) await call();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
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

async function benchStdio(): Promise<[Measurement, Measurement]> {
  const direct = await connect(
    new StdioClientTransport({ command: process.execPath, args: [everything, 'stdio'], stderr: 'ignore' }),
  );
  const config = writeConfig({ command: [process.execPath, everything, 'stdio'] });
  const proxied = await connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...wardenArgs, '--config', config],
      cwd: packageDir,
      stderr: 'ignore',
    }),
  );
  const result: [Measurement, Measurement] = [await measure(direct), await measure(proxied)];
  await direct.close();
  await proxied.close();
  return result;
}

async function benchHttp(): Promise<[Measurement, Measurement]> {
  const upstreamPort = await freePort();
  const gatewayPort = await freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  start(process.execPath, [everything, 'streamableHttp'], { PORT: String(upstreamPort) });
  await waitForHttp(upstreamUrl);
  start(process.execPath, [...wardenArgs, 'serve', '--config', writeConfig({ url: upstreamUrl }, gatewayPort)]);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/mcp`;
  await waitForHttp(gatewayUrl);
  const direct = await connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));
  const proxied = await connect(new StreamableHTTPClientTransport(new URL(gatewayUrl)));
  const result: [Measurement, Measurement] = [await measure(direct), await measure(proxied)];
  await direct.close();
  await proxied.close();
  return result;
}

function row(mode: string, [direct, proxied]: [Measurement, Measurement]): string {
  const ms = (value: number) => value.toFixed(2);
  return `| ${mode} | ${ms(direct.p50)} | ${ms(proxied.p50)} | ${ms(proxied.p50 - direct.p50)} | ${ms(direct.p99)} | ${ms(proxied.p99)} | ${ms(proxied.p99 - direct.p99)} | ${direct.perSecond.toFixed(0)} | ${proxied.perSecond.toFixed(0)} | ${((100 * proxied.perSecond) / direct.perSecond).toFixed(0)} % |`;
}

try {
  const stdio = await benchStdio();
  const http = await benchHttp();
  console.log(
    `tools/call echo, ${calls} calls after ${warmup} warm-up, concurrency ${concurrency}, loopback, Node ${process.version}`,
  );
  console.log(
    '| mode | p50 direct (ms) | p50 proxy | p50 added | p99 direct | p99 proxy | p99 added | calls/s direct | calls/s proxy | proxy/direct |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(row('stdio', stdio));
  console.log(row('Streamable HTTP', http));
} finally {
  for (const child of children) child.kill('SIGKILL');
}
