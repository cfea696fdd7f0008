import { describe, expect, it } from 'vitest';
import { CappedBuffer, createFrameDemuxer, createLineSplitter, utf8Prefix } from './stream.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('createFrameDemuxer(onFrame)', () => {
  it('separates stdout and stderr frames however the chunks are cut', () => {
    const seen: Array<[number, string]> = [];
    const push = createFrameDemuxer((stream, payload) => seen.push([stream, payload.toString()]));
    const bytes = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, 'more')]);
    for (let index = 0; index < bytes.length; index += 3) push(bytes.subarray(index, index + 3));
    expect(seen).toEqual([
      [1, 'out'],
      [2, 'err'],
      [1, 'more'],
    ]);
  });
});

describe('createLineSplitter(onLine)', () => {
  it('calls onLine once per complete line, across chunks', () => {
    const lines: string[] = [];
    const push = createLineSplitter((line) => lines.push(line));
    push(Buffer.from('ab'));
    push(Buffer.from('c\nde\n\nf'));
    expect(lines).toEqual(['abc', 'de', '']);
    push(Buffer.from('\n'));
    expect(lines).toEqual(['abc', 'de', '', 'f']);
  });
});

describe('createLineSplitter(onLine, limit)', () => {
  it('stops at the first line longer than maxLineBytes(), calling onOverflow once and delivering nothing more', () => {
    const lines: string[] = [];
    let overflows = 0;
    const push = createLineSplitter((line) => lines.push(line), {
      maxLineBytes: () => 4,
      onOverflow: () => (overflows += 1),
    });
    push(Buffer.from('ok\nabc'));
    push(Buffer.from('de'));
    push(Buffer.from('\nlater\n'));
    expect(lines).toEqual(['ok']);
    expect(overflows).toBe(1);
  });

  it('stops a line that never ends as soon as it passes the limit', () => {
    let overflows = 0;
    const push = createLineSplitter(() => {}, { maxLineBytes: () => 10, onOverflow: () => (overflows += 1) });
    for (let index = 0; index < 100; index += 1) push(Buffer.from('aaaa'));
    expect(overflows).toBe(1);
  });
});

describe('CappedBuffer(capBytes)', () => {
  it('keeps at most capBytes, reports truncated, and never splits a UTF-8 character', () => {
    const buffer = new CappedBuffer(4);
    buffer.push(Buffer.from('aé'));
    buffer.push(Buffer.from('€b'));
    expect(buffer.truncated).toBe(true);
    expect(buffer.text()).toBe('aé');
  });

  it('is not truncated at exactly capBytes', () => {
    const buffer = new CappedBuffer(3);
    buffer.push(Buffer.from('abc'));
    expect(buffer).toMatchObject({ truncated: false });
    expect(buffer.text()).toBe('abc');
  });
});

describe('utf8Prefix(bytes, capBytes)', () => {
  it('cut before a character that would be split', () => {
    expect(utf8Prefix(Buffer.from('€€'), 4)).toBe('€');
  });

  it('cuts before a 4-byte character the cap splits at any byte', () => {
    for (const capBytes of [1, 2, 3, 4]) expect(utf8Prefix(Buffer.from('a😀'), capBytes)).toBe('a');
    expect(utf8Prefix(Buffer.from('a😀b'), 5)).toBe('a😀');
  });

  it('shows stray continuation bytes at the cut as U+FFFD, within the cap', () => {
    const binary = Buffer.from([0x61, ...new Array<number>(10).fill(0x80)]);
    expect(utf8Prefix(binary, 4)).toBe('a\uFFFD');
    expect(utf8Prefix(binary, 7)).toBe('a\uFFFD\uFFFD');
  });
});
