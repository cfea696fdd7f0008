/**
 * A stdio upstream behind the HTTP gateway: the gateway spawns the server (argv, never a
 * shell), initialises it once and multiplexes every client's requests over its stdin/stdout
 * with ids of its own. A server that dies is respawned on the next request (at most once per
 * `restartDelayMs`); a server that hangs fails each request at its timeout. Either way the
 * caller sees a rejected promise (the enforcer turns it into `UPSTREAM_UNAVAILABLE`), never a
 * crash of the gateway.
 *
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { BackendUnavailableError } from '@warden/core';
import { isRecord, type McpOutcome } from '../enforcer/messages.js';
import { createLineWriter, type LineWriter, readLines } from '../transport/line-channel.js';
import { upstreamEnvironment } from '../transport/upstream-environment.js';
import { BRIDGED_REVISION, SUPPORTED_REVISIONS } from './upstream-bridge.js';
import type { ForwardedHeaders, HttpUpstreamAnswer } from './upstream-http.js';

/** How to run the server. */
export interface StdioUpstreamTarget {
  /** argv of the server. */
  command: readonly string[];
  /** Extra environment for it. */
  env?: Record<string, string>;
  /** Its working directory. */
  cwd?: string;
  /** Answer timeout, in milliseconds. */
  timeoutMs: number;
  /** Largest message, in bytes. */
  maxMessageBytes: number;
  /** Least time between two spawns, in milliseconds. @default 1000 */
  restartDelayMs?: number;
}

interface Pending {
  resolve: (outcome: McpOutcome) => void;
  reject: (error: Error) => void;
  relay: (message: unknown) => void;
  /** The progress token the client chose; the server sees the request's own id in its place. */
  progressToken?: unknown;
  timer: NodeJS.Timeout;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** The server's stdin; the messages of one event-loop turn leave in one write. */
  toServer: LineWriter;
  initializeResult: Promise<Record<string, unknown>>;
}

/** One supervised stdio server, shared by every client of its route. */
export class StdioUpstream {
  private running: Running | undefined;
  private lastSpawnAt = Number.NEGATIVE_INFINITY;
  private sequence = 0;
  private closed = false;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly target: StdioUpstreamTarget) {}

  /**
   * Sends one client message the way `postToUpstream` does for HTTP upstreams: `initialize` is
   * answered from the server's own (the gateway issues the session id), notifications are
   * written through, requests wait for the server's response.
   */
  async send(
    message: Record<string, unknown>,
    _forwarded: ForwardedHeaders,
    relay: (message: unknown) => void,
  ): Promise<HttpUpstreamAnswer> {
    if (message.method === 'initialize') return this.initialize(message.params);
    if (message.id === undefined) {
      // The gateway already initialised the server; responses to its requests are not relayed.
      if (typeof message.method === 'string' && message.method !== 'notifications/initialized')
        if (message.method !== 'notifications/cancelled') this.running?.toServer.write(message);
      return { status: 202 };
    }
    const running = this.start();
    await running.initializeResult;
    const outcome = await this.request(running, message, relay);
    return { status: 200, outcome };
  }

  /** Stops the server and fails what waits on it. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop('the gateway is closing');
  }

  private async initialize(params: unknown): Promise<HttpUpstreamAnswer> {
    const result = await this.start().initializeResult;
    const requested = isRecord(params) ? params.protocolVersion : undefined;
    const protocolVersion =
      typeof requested === 'string' && SUPPORTED_REVISIONS.includes(requested) && requested <= BRIDGED_REVISION
        ? requested
        : BRIDGED_REVISION;
    return { status: 200, sessionId: randomUUID(), outcome: { result: { ...result, protocolVersion } } };
  }

  private start(): Running {
    if (this.running) return this.running;
    if (this.closed) throw new BackendUnavailableError({ backend: 'upstream', message: 'the gateway is closing' });
    const now = performance.now();
    if (now - this.lastSpawnAt < (this.target.restartDelayMs ?? 1000))
      throw new BackendUnavailableError({ backend: 'upstream', message: 'the upstream died and is restarting' });
    this.lastSpawnAt = now;
    const [file, ...args] = this.target.command;
    const child = spawn(file ?? '', args, {
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: upstreamEnvironment(this.target.env),
      ...(this.target.cwd ? { cwd: this.target.cwd } : {}),
    });
    child.stderr.pipe(process.stderr, { end: false });
    child.stdin.on('error', () => {});
    const running: Running = {
      child,
      toServer: createLineWriter({ output: child.stdin }),
      initializeResult: Promise.resolve({}),
    };
    this.running = running;
    const gone = (reason: string) => {
      if (this.running === running) this.stop(reason);
    };
    child.on('error', (error) => gone(`could not start: ${error.message}`));
    child.on('exit', (code, signal) => gone(`exited with ${signal ?? code}`));
    readLines({
      input: child.stdout,
      maxLineBytes: this.target.maxMessageBytes,
      onLine: (line) => this.fromServer(running, line),
      onOversized: () => {},
      onEnd: () => gone('closed its stdout'),
    });
    running.initializeResult = this.handshake(running);
    // A failed handshake leaves nothing running: the next request spawns again.
    running.initializeResult.catch((error: unknown) => gone(String(error)));
    return running;
  }

  private async handshake(running: Running): Promise<Record<string, unknown>> {
    const initialize = {
      jsonrpc: '2.0',
      method: 'initialize',
      params: {
        protocolVersion: BRIDGED_REVISION,
        capabilities: {},
        clientInfo: { name: 'warden-mcp', version: '0.0.0' },
      },
    };
    const outcome = await this.request(running, initialize, () => {});
    if ('error' in outcome || !isRecord(outcome.result))
      throw new BackendUnavailableError({ backend: 'upstream', message: 'the upstream refused initialize' });
    running.toServer.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return outcome.result;
  }

  private request(
    running: Running,
    message: Record<string, unknown>,
    relay: (message: unknown) => void,
  ): Promise<McpOutcome> {
    const id = `warden-${++this.sequence}`;
    const params = isRecord(message.params) ? message.params : undefined;
    const progressToken = isRecord(params?._meta) ? params._meta.progressToken : undefined;
    // Clients choose their tokens (the SDK uses its request id, so every client's first call has
    // the same one): the server gets this request's unique id instead, so a caller never receives
    // the progress, and its messages, of another caller's call.
    const outgoing =
      progressToken === undefined || params === undefined
        ? { ...message, id }
        : { ...message, id, params: { ...params, _meta: { ...(params._meta as object), progressToken: id } } };
    return new Promise<McpOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new BackendUnavailableError({ backend: 'upstream', message: `timed out after ${this.target.timeoutMs} ms` }),
        );
      }, this.target.timeoutMs);
      this.pending.set(id, {
        resolve,
        reject,
        relay,
        timer,
        ...(progressToken === undefined ? {} : { progressToken }),
      });
      if (!running.child.stdin.writable) return this.stop('its stdin is closed');
      running.toServer.write(outgoing);
    });
  }

  private fromServer(running: Running, line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return; // Not JSON: stray output, ignored.
    }
    if (!isRecord(message)) return;
    if (typeof message.method === 'string') {
      if (message.id !== undefined) {
        // Requests of the server (sampling, elicitation, roots) have no single client to ask here.
        const refusal = { code: -32601, message: 'the gateway does not relay server requests from stdio upstreams' };
        running.toServer.write({ jsonrpc: '2.0', id: message.id, error: refusal });
        return;
      }
      // Progress reaches the caller whose request it names, under the token that caller chose.
      const token = isRecord(message.params) ? message.params.progressToken : undefined;
      const pending = typeof token === 'string' ? this.pending.get(token) : undefined;
      if (pending?.progressToken !== undefined && isRecord(message.params))
        pending.relay({ ...message, params: { ...message.params, progressToken: pending.progressToken } });
      return;
    }
    const pending = typeof message.id === 'string' ? this.pending.get(message.id) : undefined;
    if (!pending || message.id === undefined) return;
    this.pending.delete(message.id as string);
    clearTimeout(pending.timer);
    pending.resolve('error' in message ? { error: message.error as never } : { result: message.result });
  }

  /** Kills the server (when still running) and fails every request waiting on it. */
  private stop(reason: string): void {
    const running = this.running;
    this.running = undefined;
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new BackendUnavailableError({ backend: 'upstream', message: `the upstream ${reason}` }));
    }
  }
}
