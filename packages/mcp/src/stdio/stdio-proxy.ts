/**
 * The stdio wrapper: spawns the upstream server (argv, never a shell) and relays MCP between
 * the client on `input`/`output` and the server's stdin/stdout through the enforcer.
 *
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BackendUnavailableError, InvalidInputError } from '@warden/core';
import type { McpEnforcer } from '../enforcer/enforcer.js';
import { errorResponse } from '../transport/json-rpc.js';
import { createLineWriter, readLines } from '../transport/line-channel.js';
import { createProxyConnection } from '../transport/proxy-connection.js';
import { upstreamEnvironment } from '../transport/upstream-environment.js';

/** Configuration of {@link runStdioProxy}. */
export interface StdioProxyConfig {
  /** The enforcer. */
  enforcer: McpEnforcer;
  /** Upstream name in the configuration. */
  upstream: string;
  /** argv of the upstream server. */
  command: readonly string[];
  /** Extra environment for it. */
  env?: Record<string, string>;
  /** Its working directory. */
  cwd?: string;
  /** Where client messages arrive. @default process.stdin */
  input?: Readable;
  /** Where client messages go. @default process.stdout */
  output?: Writable;
  /** Largest message, in bytes. @default 4 MiB */
  maxMessageBytes?: number;
  /** Upstream answer timeout, in milliseconds. @default 60000 */
  requestTimeoutMs?: number;
  /** The caller. @default the configuration's default caller */
  caller?: string;
}

/** A running wrapper. */
export interface StdioProxy {
  /** Resolves with the exit code once the client or the upstream is gone. */
  readonly done: Promise<number>;
  /** Requests it holds waiting for an answer, either way (bounded; a prompt Warden gave up on is forgotten). */
  pendingCount(): number;
  /** Stops the upstream and ends. */
  close(): void;
}

/** Starts the wrapper. */
export function runStdioProxy(config: StdioProxyConfig): StdioProxy {
  const input = config.input ?? process.stdin;
  const output = config.output ?? process.stdout;
  const maxMessageBytes = config.maxMessageBytes ?? 4 * 1024 * 1024;
  const [file, ...args] = config.command;
  if (file === undefined)
    throw new InvalidInputError({
      message: 'command must name a program',
      issues: [{ path: 'command', message: 'empty' }],
    });
  const child: ChildProcessWithoutNullStreams = spawn(file, args, {
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: upstreamEnvironment(config.env),
    ...(config.cwd ? { cwd: config.cwd } : {}),
  });
  child.stderr.pipe(process.stderr, { end: false });
  child.stdin.on('error', () => {});

  // A client that stops reading: stop reading the upstream until it drains (bounded memory).
  const toClient = createLineWriter({
    output,
    onFull: () => {
      if (child.stdout.isPaused()) return;
      child.stdout.pause();
      output.once('drain', () => child.stdout.resume());
    },
  });
  const toUpstream = createLineWriter({ output: child.stdin });

  let connection: ReturnType<typeof createProxyConnection>;
  const session = config.enforcer.openSession({
    upstream: config.upstream,
    ...(config.caller ? { caller: config.caller } : {}),
    askClient: (method, params, signal) => connection.askClient(method, params, signal),
  });
  connection = createProxyConnection({
    session,
    requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
    sendToClient: (message) => toClient.write(message),
    sendToUpstream: (message) => {
      if (!child.stdin.writable)
        throw new BackendUnavailableError({ backend: 'upstream', message: 'upstream stdin closed' });
      toUpstream.write(message);
    },
  });

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    if (child.exitCode === null) child.kill('SIGTERM');
    resolveDone(code);
  };

  readLines({
    input,
    maxLineBytes: maxMessageBytes,
    onLine: (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        toClient.write(errorResponse(null, 'INVALID_REQUEST', 'not valid JSON'));
        return;
      }
      connection.fromClient(parsed);
    },
    onOversized: () =>
      toClient.write(errorResponse(null, 'MESSAGE_TOO_LARGE', `a message was larger than ${maxMessageBytes} bytes`)),
    onEnd: () => finish(0),
  });
  readLines({
    input: child.stdout,
    maxLineBytes: maxMessageBytes,
    onLine: (line) => {
      try {
        connection.fromUpstream(JSON.parse(line));
      } catch {
        // Not JSON from the upstream: ignored, like any other stray output.
      }
    },
    onOversized: () => {},
    onEnd: () => {},
  });
  child.on('error', (error) => connection.upstreamClosed(error.message));
  child.on('exit', (code, signal) => connection.upstreamClosed(`exited with ${signal ?? code}`));
  return { done, pendingCount: () => connection.pendingCount(), close: () => finish(0) };
}
