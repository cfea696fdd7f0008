/**
 * The host side of the supervisor protocol (see `supervisor-script.ts`): one
 * attached stream per sandbox, framed requests out, framed results in.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import type Docker from 'dockerode';
import { createFrameDemuxer, createLineSplitter } from './stream.js';
import type { CommandRequest, CommandResult } from './types.js';

/** Requests up to this size travel as one line; larger ones as a blob. */
const INLINE_REQUEST_BYTES = 4096;

/** How long after a kill request the host waits for the supervisor's result before reporting on its own. */
const KILL_GRACE_MS = 5_000;

/** What the supervisor announced when it started. */
export type SupervisorHello =
  | { mode: 'supervise'; uid: string; tmpMode: string; groups: string }
  | { mode: 'fallback'; reason: string; uid: string; tmpMode: string };

interface PendingCommand {
  capBytes: number;
  startedAt: number;
  killSent: boolean;
  resolve: (result: CommandResult) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

interface ResultInProgress {
  id: number;
  exitCode: number;
  oomKilled: boolean;
  stdout?: string;
}

/** A socket that can stop keeping the process alive while idle. */
type AttachedSocket = NodeJS.ReadWriteStream & { ref?: () => void; unref?: () => void; destroy?: () => void };

// Characters that survive the script's word splitting (set -f: no globbing) unchanged.
const PLAIN_FIELD = /^[A-Za-z0-9_./:=,+@%-]{1,256}$/;

/** A request field: `-` for empty, `.value` for plain text, else base64 (never a shell word to evaluate). */
export function encodeField(value: string): string {
  if (value === '') return '-';
  if (PLAIN_FIELD.test(value)) return `.${value}`;
  return Buffer.from(value, 'utf8').toString('base64');
}

/** One sandbox's supervisor, reached through the container's attached stdin and stdout. */
export class SupervisorConnection {
  /** Resolves with the supervisor's first line; rejects if the stream ends before it. */
  readonly hello: Promise<SupervisorHello>;
  private resolveHello!: (hello: SupervisorHello) => void;
  private rejectHello!: (error: unknown) => void;
  private readonly pending = new Map<number, PendingCommand>();
  // Commands reported as killed after the grace period: their late replies are still expected.
  private readonly abandoned = new Map<number, number>();
  private nextId = 1;
  // The request in the warm lane (0), until its reply arrives (late replies of abandoned ones too).
  private warmLaneId: number | undefined;
  private inProgress: ResultInProgress | undefined;
  private closedReason: string | undefined;
  private diagnostics = '';

  private constructor(private readonly socket: AttachedSocket) {
    this.hello = new Promise((resolve, reject) => {
      this.resolveHello = resolve;
      this.rejectHello = reject;
    });
    this.hello.catch(() => {});
    const splitLines = createLineSplitter((line) => this.onLine(line), {
      maxLineBytes: () => this.maxLineBytes(),
      // Only a process inside the sandbox writing to the supervisor's own stdout can cause this:
      // stop listening rather than buffer without bound on the host.
      onOverflow: () => this.close('the sandbox broke the supervisor protocol (an over-long line)'),
    });
    socket.on(
      'data',
      createFrameDemuxer((stream, payload) => {
        if (stream === 1) splitLines(payload);
        else this.diagnostics = (this.diagnostics + payload.toString('utf8')).slice(-2000);
      }),
    );
    socket.on('error', (error: Error) => this.onClosed(`attach stream failed: ${error.message}`));
    socket.on('close', () => this.onClosed('the sandbox stopped'));
    socket.on('end', () => this.onClosed('the sandbox stopped'));
  }

  /** Attaches to a created, not yet started, container's stdio. */
  static async attach(container: Docker.Container): Promise<SupervisorConnection> {
    const socket = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as AttachedSocket;
    const connection = new SupervisorConnection(socket);
    connection.updateKeepAlive();
    return connection;
  }

  /** True while the stream is open. */
  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  /** Runs one command through the supervisor. Never rejects for a non-zero exit. */
  run(request: CommandRequest): Promise<CommandResult> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new BackendUnavailableError({ backend: 'docker', message: this.closedMessage() }));
    }
    const id = this.nextId++;
    // The warm worker takes one request at a time; concurrent ones each get a fresh worker (lane 1).
    const lane = this.warmLaneId === undefined ? 0 : 1;
    if (lane === 0) this.warmLaneId = id;
    const stdin = Buffer.from(request.stdin ?? '', 'utf8');
    const envFields = Object.entries(request.env).map(([name, value]) => encodeField(`${name}=${value}`));
    // Captured a little past the cap (as `CappedBuffer` keeps); every result is cut at the cap.
    const captureBytes = request.maxOutputBytes + 3;
    const spec = [
      encodeField(request.cwd ?? ''),
      envFields.length,
      ...envFields,
      ...request.argv.map(encodeField),
    ].join(' ');
    // The shell reads a line one byte per system call: large requests travel as a blob instead.
    const frame =
      spec.length <= INLINE_REQUEST_BYTES
        ? [Buffer.from(`R ${id} ${lane} ${captureBytes} ${stdin.length} ${spec}\n`)]
        : [
            Buffer.from(`B ${id} ${lane} ${captureBytes} ${stdin.length} ${Buffer.byteLength(spec)}\n`),
            Buffer.from(spec),
          ];
    return new Promise<CommandResult>((resolve, reject) => {
      const command = this.track(id, request, resolve, reject);
      for (const part of frame) this.socket.write(part);
      if (stdin.length > 0) this.socket.write(stdin);
      if (request.signal?.aborted) this.kill(id, command);
    });
  }

  /**
   * Closes the stream; the supervisor sees end of input and the container stops. With
   * `killed: true` (the sandbox is being destroyed) commands still running resolve as killed
   * (`timedOut: true`, exit code 137) instead of rejecting.
   */
  close(reason = 'the sandbox was closed', options: { killed?: boolean } = {}): void {
    if (options.killed === true && this.closedReason === undefined) {
      for (const id of [...this.pending.keys()]) {
        const command = this.pending.get(id);
        if (command) command.killSent = true;
        this.settle(id, { exitCode: 137, oomKilled: false, stdout: '', stderr: '' });
      }
    }
    this.onClosed(reason);
    this.socket.destroy?.();
  }

  /**
   * The longest reply line expected now: the base64 of the largest capture in flight, counting
   * commands already reported killed whose late reply is still to come (refusing it would close
   * the sandbox).
   */
  private maxLineBytes(): number {
    const caps = [...[...this.pending.values()].map((command) => command.capBytes), ...this.abandoned.values()];
    return caps.reduce((longest, capBytes) => Math.max(longest, Math.ceil((capBytes + 3) / 3) * 4 + 64), 256);
  }

  private track(
    id: number,
    request: CommandRequest,
    resolve: (result: CommandResult) => void,
    reject: (error: unknown) => void,
  ): PendingCommand {
    const onAbort = (): void => this.kill(id, command);
    const timer = setTimeout(onAbort, request.timeoutMs);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const command: PendingCommand = {
      capBytes: request.maxOutputBytes,
      startedAt: performance.now(),
      killSent: false,
      resolve,
      reject,
      cleanup: () => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      },
    };
    this.pending.set(id, command);
    this.updateKeepAlive();
    return command;
  }

  private kill(id: number, command: PendingCommand): void {
    if (command.killSent || !this.pending.has(id)) return;
    command.killSent = true;
    if (this.closedReason === undefined) this.socket.write(`K ${id}\n`);
    const grace = setTimeout(() => {
      // The supervisor did not answer (its processes may be starved): report the kill ourselves.
      this.abandoned.set(id, command.capBytes);
      this.settle(id, { exitCode: 137, oomKilled: false, stdout: '', stderr: '' });
    }, KILL_GRACE_MS);
    const cleanup = command.cleanup;
    command.cleanup = () => {
      cleanup();
      clearTimeout(grace);
    };
  }

  private onLine(line: string): void {
    const current = this.inProgress;
    if (current === undefined) {
      this.onHeader(line);
      return;
    }
    if (current.stdout === undefined) {
      current.stdout = line;
      return;
    }
    this.inProgress = undefined;
    this.abandoned.delete(current.id);
    if (this.warmLaneId === current.id) this.warmLaneId = undefined;
    this.settle(current.id, {
      exitCode: current.exitCode,
      oomKilled: current.oomKilled,
      stdout: current.stdout,
      stderr: line,
    });
  }

  private onHeader(line: string): void {
    const [kind, first = '', second = '', third = '', fourth = ''] = line.split(' ');
    if (kind === 'D') {
      this.inProgress = { id: Number(first), exitCode: Number(second), oomKilled: third === '1' };
    } else if (kind === 'READY') {
      this.resolveHello({ mode: 'supervise', uid: second, tmpMode: third, groups: fourth });
    } else if (kind === 'FALLBACK') {
      this.resolveHello({ mode: 'fallback', reason: first, uid: second, tmpMode: third });
    }
  }

  private settle(id: number, raw: { exitCode: number; oomKilled: boolean; stdout: string; stderr: string }): void {
    const command = this.pending.get(id);
    if (command === undefined) return;
    this.pending.delete(id);
    command.cleanup();
    this.updateKeepAlive();
    const stdout = Buffer.from(raw.stdout, 'base64');
    const stderr = Buffer.from(raw.stderr, 'base64');
    command.resolve({
      stdout,
      stderr,
      exitCode: raw.exitCode,
      timedOut: command.killSent,
      truncated: stdout.length > command.capBytes || stderr.length > command.capBytes,
      durationMs: Math.round(performance.now() - command.startedAt),
      oomKilled: raw.oomKilled,
    });
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const error = new BackendUnavailableError({ backend: 'docker', message: this.closedMessage() });
    this.rejectHello(error);
    for (const [id, command] of this.pending) {
      this.pending.delete(id);
      command.cleanup();
      command.reject(error);
    }
  }

  private closedMessage(): string {
    const detail = this.diagnostics.trim();
    return `Sandbox supervisor unavailable: ${this.closedReason}${detail ? ` (${detail.slice(-300)})` : ''}`;
  }

  /** An idle sandbox must not keep the Node.js process alive; a running command must. */
  private updateKeepAlive(): void {
    if (this.pending.size > 0) this.socket.ref?.();
    else this.socket.unref?.();
  }
}
