import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashLeaf } from '../merkle/hash.ts';
import { decodeEntry, encodeEntries, encodeEntry, hashToBase64 } from './entry.ts';

describe('entry encoding', () => {
  it('encodeEntries(first, previous, JSON of events) is byte for byte encodeEntry({ seq, prev, event }) of each, chained by leaf hash', () => {
    const details = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue());
    fc.assert(
      fc.property(
        fc.nat(),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 })),
        fc.array(details, { maxLength: 4 }),
        (first, previous, detailsList) => {
          const events = detailsList.map((item) => ({ type: 'tool_blocked' as const, timestamp: 1, details: item }));
          const { records, leafHashes } = encodeEntries(
            first,
            previous ?? undefined,
            events.map((event) => JSON.stringify(event)),
          );
          let prev = hashToBase64(previous ?? undefined);
          events.forEach((event, position) => {
            const expected = encodeEntry({ seq: first + position, prev, event });
            expect(Buffer.from(records[position] ?? [])).toEqual(Buffer.from(expected));
            expect(leafHashes.subarray(32 * position, 32 * (position + 1))).toEqual(Buffer.from(hashLeaf(expected)));
            expect(decodeEntry(expected)).toEqual(JSON.parse(JSON.stringify({ seq: first + position, prev, event })));
            prev = hashToBase64(hashLeaf(expected));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodeEntry refuses bytes that are not an entry', () => {
    for (const text of ['', 'null', '{"seq":"1","prev":"","event":{}}', '{"seq":1,"prev":"","event":null}', '\u00ff']) {
      expect(decodeEntry(new TextEncoder().encode(text))).toBeUndefined();
    }
  });
});
