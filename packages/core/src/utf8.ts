/**
 * Cutting UTF-8 bytes without splitting a character: a stream's chunk, or output cut at a byte
 * cap, may end inside a multi-byte character, whose first bytes would decode as U+FFFD.
 *
 * @module
 */

/**
 * How many leading bytes of `bytes` end on a whole UTF-8 character: the length of the longest
 * prefix that does not end inside a multi-byte character. Decoded as they are, the first bytes of a
 * split character become U+FFFD (three bytes), so a stream decoder would corrupt a character that
 * the next chunk completes, and text cut at a byte cap would no longer be a prefix of the output and
 * could pass the cap. Hold back (or drop) the bytes past the returned length.
 *
 * At most the last three bytes are held back, so malformed input (stray continuation bytes) is
 * never held back without end: it is returned whole, to decode as U+FFFD.
 *
 * @param bytes UTF-8 bytes, possibly cut anywhere.
 * @returns a length from `bytes.length - 3` to `bytes.length` (never below 0).
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  // A character takes at most four bytes: its first byte is among the last four.
  for (let back = 1; back <= Math.min(4, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte (10xxxxxx): the character starts earlier
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
