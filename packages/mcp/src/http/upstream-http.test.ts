import { describe, expect, it } from 'vitest';
import { completeUtf8Length } from './upstream-http.js';

describe('completeUtf8Length', () => {
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
});
