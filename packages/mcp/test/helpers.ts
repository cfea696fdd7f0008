import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { WardenMcpConfigInput } from '../src/config/config-schema.js';

const require = createRequire(import.meta.url);

/** server-everything's entry point (from npm). */
export const everythingServer: string = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
/** server-filesystem's entry point (from npm). */
export const filesystemServer: string = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
/** The warden-mcp executable's source. */
export const wardenMain: string = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
/** Node flags that run the TypeScript sources. */
export const tsNodeArgs: string[] = ['--import', 'tsx', '--conditions', 'warden-source'];

/** Writes a configuration file and returns its path. */
export function writeConfig(config: WardenMcpConfigInput): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'warden-mcp-config-'));
  const file = path.join(directory, 'warden-mcp.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** An SDK client connected to `command` directly. */
export async function connectDirect(command: string[], capabilities: Record<string, unknown> = {}): Promise<Client> {
  const [file, ...args] = command;
  const client = new Client({ name: 'direct', version: '1.0.0' }, { capabilities });
  await client.connect(new StdioClientTransport({ command: file ?? '', args, stderr: 'ignore' }));
  return client;
}

/** An SDK client connected through the warden-mcp executable (stdio mode); `flags` go before `--`. */
export async function connectThroughWarden(
  configFile: string,
  command: string[],
  flags: string[] = [],
): Promise<Client> {
  const client = new Client({ name: 'proxied', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...tsNodeArgs, wardenMain, '--config', configFile, ...flags, '--', ...command],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stderr: 'ignore',
    }),
  );
  return client;
}

/** An SDK transport over a pair of in-process streams (for a wrapper running in the test process). */
export class StreamClientTransport implements Transport {
  /** What the wrapper reads. */
  readonly toProxy: PassThrough = new PassThrough();
  /** What the wrapper writes. */
  readonly fromProxy: PassThrough = new PassThrough();
  private readonly buffer = new ReadBuffer();
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  async start(): Promise<void> {
    this.fromProxy.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
        this.onmessage?.(message);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.toProxy.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.toProxy.end();
    this.onclose?.();
  }
}

/** The Warden denial code inside an SDK error, or `undefined`. */
export function deniedCode(error: unknown): string | undefined {
  return (error as { data?: { warden?: { code?: string } } }).data?.warden?.code;
}

/** A free loopback port. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts server-everything's Streamable HTTP transport on a free port; resolves with its URL and a stop function. */
export async function startEverythingHttp(): Promise<{ url: string; stop: () => void }> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const child = spawn(process.execPath, [everythingServer, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const up = await fetch(url, { method: 'GET' }).then(
      () => true,
      () => false,
    );
    if (up) return { url, stop: () => child.kill('SIGKILL') };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server-everything did not start');
}
