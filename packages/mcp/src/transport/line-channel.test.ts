import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineWriter } from './line-channel.js';

/** A stream that records each `write` call and reports full after `capacity` of them. */
function recordingStream(capacity = Number.POSITIVE_INFINITY) {
  const writes: string[] = [];
  const output = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString('utf8'));
      if (writes.length < capacity) callback();
    },
  });
  return { output, writes };
}

describe('createLineWriter', () => {
  it('writes the lines queued in one turn with one write, in order, each a JSON line', async () => {
    const { output, writes } = recordingStream();
    const writer = createLineWriter({ output });
    writer.write({ id: 1 });
    writer.write({ id: 2, text: 'a\nb' });
    await Promise.resolve();
    writer.write({ id: 3 });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"id":1}\n{"id":2,"text":"a\\nb"}\n{"id":3}\n']);
    writer.write({ id: 4 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"id":1}\n{"id":2,"text":"a\\nb"}\n{"id":3}\n', '{"id":4}\n']);
  });

  it('tells its owner when the stream is full and writes nothing to a destroyed stream', async () => {
    const { output } = recordingStream(1);
    let full = 0;
    const writer = createLineWriter({ output, onFull: () => (full += 1) });
    writer.write({ id: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(full).toBe(1);
    output.destroy();
    writer.write({ id: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(full).toBe(1);
  });
});
