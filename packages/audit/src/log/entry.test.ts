import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, encodeEntryWithEventJson } from './entry.ts';

describe('entry encoding', () => {
  it('encodeEntryWithEventJson(seq, prev, JSON of event) is byte for byte encodeEntry({ seq, prev, event })', () => {
    fc.assert(
      fc.property(fc.nat(), fc.base64String(), fc.dictionary(fc.string(), fc.jsonValue()), (seq, prev, details) => {
        const event = { type: 'tool_blocked' as const, timestamp: 1, details };
        const bytes = encodeEntryWithEventJson(seq, prev, JSON.stringify(event));
        expect(Buffer.from(bytes)).toEqual(Buffer.from(encodeEntry({ seq, prev, event })));
        expect(decodeEntry(bytes)).toEqual(JSON.parse(JSON.stringify({ seq, prev, event })));
      }),
      { numRuns: 200 },
    );
  });

  it('decodeEntry refuses bytes that are not an entry', () => {
    for (const text of ['', 'null', '{"seq":"1","prev":"","event":{}}', '{"seq":1,"prev":"","event":null}', '\u00ff']) {
      expect(decodeEntry(new TextEncoder().encode(text))).toBeUndefined();
    }
  });
});
