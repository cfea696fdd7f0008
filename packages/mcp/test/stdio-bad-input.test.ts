import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deniedCode, everythingServer, tsNodeArgs, wardenMain, writeConfig } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const open: ChildProcessWithoutNullStreams[] = [];

function startWarden(command: string[], limits = { maxMessageBytes: 65_536, requestTimeoutMs: 60_000 }) {
  const configFile = writeConfig({
    upstreams: { up: { command } },
    security: { unmappedTools: 'allow', defaultAccess: ['*'] },
    pinning: { mode: 'off' },
    limits,
  });
  // A process group of its own, so the test ends the upstream it started too (a SIGKILL of the
  // wrapper alone left a hanging upstream running after the run).
  const child = spawn(process.execPath, [...tsNodeArgs, wardenMain, '--config', configFile, '--', ...command], {
    cwd: packageDir,
    detached: true,
  });
  open.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
  });
  const send = (text: string) => child.stdin.write(`${text}\n`);
  const reply = (id: unknown) =>
    vi.waitFor(
      () => {
        const found = lines.find((line) => line.id === id);
        if (!found) throw new Error(`no reply to ${String(id)} yet`);
        return found;
      },
      { timeout: 90_000, interval: 50 },
    );
  return { child, lines, send, reply };
}

afterEach(() => {
  for (const child of open.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL'); // not a group leader (or already gone)
    }
  }
});

const code = (line: Record<string, unknown> | undefined) => deniedCode(line?.error);

describe('stdio wrapper: bad input from a hostile client', () => {
  it('malformed JSON, batches, non-JSON-RPC, unknown methods and oversized messages get typed errors; the wrapper keeps serving', async () => {
    const warden = startWarden([process.execPath, everythingServer, 'stdio']);
    warden.send(
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
    );
    expect((await warden.reply(1)).result).toBeDefined();
    warden.send('{not json');
    warden.send('[{"jsonrpc":"2.0","id":2,"method":"ping"}]');
    warden.send('{"jsonrpc":"1.0","id":3,"method":"ping"}');
    warden.send('{"jsonrpc":"2.0","id":4,"method":"debug/dump-secrets"}');
    warden.send(
      `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"${'x'.repeat(200_000)}"}}}`,
    );
    warden.send('{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":42}}');
    warden.send('{"jsonrpc":"2.0","id":7,"method":"ping"}');
    expect((await warden.reply(7)).result).toEqual({});
    expect(code(await warden.reply(4))).toBe('METHOD_NOT_ALLOWED');
    expect(code(await warden.reply(6))).toBe('INVALID_REQUEST');
    const anonymous = warden.lines.filter((line) => line.id === null).map(code);
    expect(anonymous).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'MESSAGE_TOO_LARGE']);
    expect(warden.child.exitCode).toBeNull();
  });

  it('params nested 30,000 deep (JSON.parse takes them, JSON.stringify overflows) get INVALID_REQUEST, for tools/call and any other request; the wrapper keeps serving', async () => {
    const warden = startWarden([process.execPath, everythingServer, 'stdio']);
    warden.send(
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
    );
    expect((await warden.reply(1)).result).toBeDefined();
    const deep = `${'['.repeat(30_000)}1${']'.repeat(30_000)}`;
    warden.send(
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi","extra":${deep}}}}`,
    );
    // Any request, not only tools/call.
    warden.send(`{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"test://x","_meta":{"v":${deep}}}}`);
    warden.send('{"jsonrpc":"2.0","id":3,"method":"ping"}');
    expect((await warden.reply(3)).result).toEqual({});
    expect(code(await warden.reply(2))).toBe('INVALID_REQUEST');
    expect(code(await warden.reply(5))).toBe('INVALID_REQUEST');
    // The upstream never saw it: the next call still reaches it.
    warden.send(
      '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"after"}}}',
    );
    expect(JSON.stringify((await warden.reply(4)).result)).toContain('after');
    expect(warden.child.exitCode).toBeNull();
  });

  it('a hostile upstream answering with a result nested 30,000 deep gets UPSTREAM_UNAVAILABLE; the wrapper keeps serving (it crashed)', async () => {
    const misbehaving = fileURLToPath(new URL('./fixtures/misbehaving-server.mjs', import.meta.url));
    const warden = startWarden([process.execPath, misbehaving, 'deep'], {
      maxMessageBytes: 1_000_000,
      requestTimeoutMs: 60_000,
    });
    warden.send(
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
    );
    expect((await warden.reply(1)).result).toBeDefined();
    warden.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"misbehave","arguments":{}}}');
    expect(code(await warden.reply(2))).toBe('UPSTREAM_UNAVAILABLE');
    warden.send('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ok","arguments":{}}}');
    expect(JSON.stringify((await warden.reply(3)).result)).toContain('ok from');
    expect(warden.child.exitCode).toBeNull();
  });

  it('an upstream that hangs gets UPSTREAM_UNAVAILABLE after the request timeout', async () => {
    const warden = startWarden([process.execPath, '-e', 'setInterval(() => {}, 1000)'], {
      maxMessageBytes: 65_536,
      requestTimeoutMs: 300,
    });
    warden.send(
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
    );
    expect(code(await warden.reply(1))).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('an upstream that dies turns every request into UPSTREAM_UNAVAILABLE and nothing crashes', async () => {
    const warden = startWarden([process.execPath, '-e', 'process.exit(3)']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    warden.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(code(await warden.reply(1))).toBe('UPSTREAM_UNAVAILABLE');
    warden.send('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}');
    expect(code(await warden.reply(2))).toBe('UPSTREAM_UNAVAILABLE');
    expect(warden.child.exitCode).toBeNull();
  });

  it('a command that does not exist is reported, not thrown', async () => {
    const client = new Client({ name: 'raw', version: '1' });
    const configFile = writeConfig({
      upstreams: { up: { command: ['/nonexistent/server'] } },
      security: { defaultAccess: ['*'] },
    });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...tsNodeArgs, wardenMain, '--config', configFile],
      cwd: packageDir,
      stderr: 'ignore',
    });
    const error = await client.connect(transport).catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('UPSTREAM_UNAVAILABLE');
    await client.close();
  });
});

describe('warden-mcp command line', () => {
  it('a --redis-url that is not a Redis URL is refused, naming the flag, rather than run on in-memory state', async () => {
    const configFile = writeConfig({ upstreams: { up: { command: ['true'] } } });
    const child = spawn(
      process.execPath,
      [...tsNodeArgs, wardenMain, '--config', configFile, '--redis-url', 'http://127.0.0.1:1'],
      { cwd: packageDir },
    );
    open.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('INVALID_INPUT: --redis-url');
  });

  it('an invalid configuration names the field and exits 2', async () => {
    const configFile = writeConfig({ upstreams: { up: { command: [] } } } as never);
    const child = spawn(process.execPath, [...tsNodeArgs, wardenMain, '--config', configFile], { cwd: packageDir });
    open.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(2);
    expect(stderr).toContain('upstreams.up.command');
  });
});
