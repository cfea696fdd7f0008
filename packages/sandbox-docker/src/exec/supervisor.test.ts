import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeField, SupervisorConnection } from './supervisor.js';
import type { CommandRequest } from './types.js';

describe('encodeField(value)', () => {
  it('sends plain words as themselves behind a ".", the empty string as "-"', () => {
    expect(encodeField('echo')).toBe('.echo');
    expect(encodeField('/usr/bin/env')).toBe('./usr/bin/env');
    expect(encodeField('-')).toBe('.-');
    expect(encodeField('NAME=value')).toBe('.NAME=value');
    expect(encodeField('')).toBe('-');
  });

  it.each(['two words', '$(id)', '`id`', '*', 'a;b', "it's", 'line\n', 'é', 'x'.repeat(257)])(
    'base64-encodes %j, so no shell character ever reaches the script as a word',
    (value) => {
      const encoded = encodeField(value);
      expect(encoded).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(value);
    },
  );
});

/** A container whose attached stream is in the test's hands: what the adapter writes, and frames to feed it. */
function fakeAttachedContainer() {
  const socket = Object.assign(new EventEmitter(), {
    written: [] as string[],
    write(chunk: string | Buffer) {
      socket.written.push(chunk.toString());
      return true;
    },
    ref() {},
    unref() {},
    destroy() {},
  });
  const container = { attach: async () => socket } as unknown as Docker.Container;
  /** Sends `text` as the supervisor's stdout, in one Docker stream frame. */
  const reply = (text: string): void => {
    const payload = Buffer.from(text, 'latin1');
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(payload.length, 4);
    socket.emit('data', Buffer.concat([header, payload]));
  };
  return { container, socket, reply };
}

const REQUEST: CommandRequest = {
  argv: ['/bin/sh', '-c', 'true'],
  env: {},
  cwd: undefined,
  stdin: undefined,
  timeoutMs: 1_000,
  signal: undefined,
  maxOutputBytes: 1_048_576,
};

describe('SupervisorConnection', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the late reply of a command it reported killed after the grace period, however long its output, and stays usable', async () => {
    vi.useFakeTimers();
    const { container, reply } = fakeAttachedContainer();
    const connection = await SupervisorConnection.attach(container);
    reply('READY 3 65534 1777 65534\n');
    await connection.hello;
    const slow = connection.run(REQUEST);
    // The timeout sends K; the supervisor (starved, say) does not answer within the grace period.
    await vi.advanceTimersByTimeAsync(REQUEST.timeoutMs + 5_000);
    expect(await slow).toMatchObject({ timedOut: true, exitCode: 137 });
    // Its reply comes at last, with the output it captured (up to its cap).
    const captured = Buffer.alloc(100_000, 'a').toString('base64');
    reply(`D 1 137 0\n${captured}\n\n`);
    expect(connection.isOpen).toBe(true);
    const next = connection.run({ ...REQUEST, maxOutputBytes: 16 });
    reply(`D 2 0 0\n${Buffer.from('next').toString('base64')}\n\n`);
    expect(await next).toMatchObject({ exitCode: 0, timedOut: false, stdout: Buffer.from('next') });
  });
});
