import { describe, expect, it } from 'vitest';
import { completeUtf8Length } from './utf8.js';

const encoder = new TextEncoder();

describe('completeUtf8Length(bytes)', () => {
  it('keeps every byte of ASCII', () => {
    const bytes = encoder.encode('plain ascii');
    for (let cut = 0; cut <= bytes.length; cut += 1) expect(completeUtf8Length(bytes.subarray(0, cut))).toBe(cut);
  });

  it('is 0 for no bytes', () => {
    expect(completeUtf8Length(new Uint8Array())).toBe(0);
  });

  for (const [size, character] of [
    [2, 'é'],
    [3, '€'],
    [4, '😀'],
  ] as const) {
    it(`stops before a ${size}-byte character cut at any byte, and keeps it whole`, () => {
      const bytes = encoder.encode(`a${character}`);
      expect(bytes.length).toBe(1 + size);
      for (let cut = 2; cut < bytes.length; cut += 1) expect(completeUtf8Length(bytes.subarray(0, cut))).toBe(1);
      expect(completeUtf8Length(bytes)).toBe(bytes.length);
      // Alone, without a character before it.
      for (let cut = 1; cut < size; cut += 1) expect(completeUtf8Length(bytes.subarray(1, 1 + cut))).toBe(0);
    });
  }

  it('keeps back the first bytes of a character split between two chunks, and only those', () => {
    const text = 'a é € 😀';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const first = bytes.subarray(0, cut);
      const complete = completeUtf8Length(first);
      expect(cut - complete).toBeLessThan(4);
      const decoded =
        first.toString('utf8', 0, complete) +
        Buffer.concat([first.subarray(complete), bytes.subarray(cut)]).toString('utf8');
      expect(decoded).toBe(text);
      expect(first.toString('utf8', 0, complete)).not.toContain('\uFFFD');
    }
  });

  it('never holds back more than 3 bytes of malformed input', () => {
    expect(completeUtf8Length(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]))).toBe(5);
    expect(completeUtf8Length(Buffer.from([0x41, 0xf0, 0x9f, 0x98]))).toBe(1);
  });

  it('keeps an invalid sequence that is not cut: a lead byte followed by too many continuation bytes, or by ASCII', () => {
    expect(completeUtf8Length(Uint8Array.of(0x41, 0xc3, 0xa9, 0xa9))).toBe(4);
    expect(completeUtf8Length(Uint8Array.of(0xe2, 0x41))).toBe(2);
    expect(completeUtf8Length(Uint8Array.of(0x80))).toBe(1);
  });

  it('holds back a lead byte that cannot yet be complete, even one UTF-8 never uses (0xF8–0xFF)', () => {
    expect(completeUtf8Length(Uint8Array.of(0x41, 0xff))).toBe(1);
    expect(completeUtf8Length(Uint8Array.of(0x41, 0xc0))).toBe(1);
  });
});
