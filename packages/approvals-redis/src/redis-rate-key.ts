/**
 * The Redis key of a rate limit counter: the prefix, then the caller's key as UTF-8. A lone
 * surrogate half (a peer's key cut mid-character) has no UTF-8 form, and the client would send
 * U+FFFD in its place, so keys differing only there (`peer\ud800`, `peer\udc00`, `peer\ufffd`)
 * would share one counter and a peer could use up another's. Such a half is written as the three
 * bytes WTF-8 gives it instead: bytes no UTF-8 text contains, so no two keys meet.
 */
export function rateLimitRedisKey(prefix: string, key: string): string | Buffer {
  if (!/\p{Cs}/u.test(key)) return `${prefix}${key}`;
  const parts: Buffer[] = [Buffer.from(prefix, 'utf8')];
  // Iterating a string yields whole code points, and a lone half on its own.
  for (const character of key) {
    const unit = character.charCodeAt(0);
    const isLoneHalf = character.length === 1 && unit >= 0xd800 && unit <= 0xdfff;
    parts.push(
      isLoneHalf
        ? Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)])
        : Buffer.from(character, 'utf8'),
    );
  }
  return Buffer.concat(parts);
}
