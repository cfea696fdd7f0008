/**
 * Redaction before anything is written: a secret-bearing field (by core's rules, see
 * `redactSecrets`) becomes `hmac-sha256:<base64url>` of its value under a key only the log
 * operator holds, so equal secrets still correlate across entries without being revealed (as
 * Vault's audit devices do).
 *
 * Core decides what is secret. The common event (plain objects, arrays and primitives, not
 * deeply nested) is redacted in one pass that asks core about each key (the answer cached per
 * key name) and each string; anything else (errors, class instances, cycles, deep nesting) takes
 * the general path: core's full copy, then the HMACs filled in where it redacted. A property
 * test holds both paths to the same output.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { REDACTED, redactSecrets } from '@warden/core';

/** Redacts one value (an event) for the log and serialises it: `JSON.stringify` of the redacted copy. */
export type HmacRedactor = (value: unknown) => string | undefined;

// Deeper than this (or a cycle, which always gets here) takes the general path.
const FAST_PATH_DEPTH = 12;
// Key names and short strings come from payloads: the caches of core's verdicts are bounded.
const CACHE_LIMIT = 1024;
const CACHED_STRING_LENGTH = 64;
const REFILL_MISSES = 16 * CACHE_LIMIT;
const NOT_PLAIN = Symbol('not plain');

/**
 * A bounded memo of what core says about a text (recomputed when it is not kept). An
 * `undefined` answer is never kept: that is how a secret stays out of the memo.
 *
 * Once full, the memo is emptied and refilled only after `REFILL_MISSES` more misses: under a
 * stream of unique texts (paths, request ids) a memo emptied whenever full keeps each of them
 * long enough for the garbage collector to promote it, which cost more than core's check saves.
 * This way at most one unique text in `REFILL_MISSES / CACHE_LIMIT` is kept, and a working set
 * that changes is still picked up.
 */
function memo<T>(compute: (text: string) => T | undefined): (text: string) => T | undefined {
  let known = new Map<string, T>();
  let missesWhileFull = 0;
  return (text) => {
    const cached = known.get(text);
    if (cached !== undefined) return cached;
    const answer = compute(text);
    if (answer === undefined) return undefined;
    if (known.size < CACHE_LIMIT) known.set(text, answer);
    else if (++missesWhileFull >= REFILL_MISSES) {
      known = new Map([[text, answer]]);
      missesWhileFull = 0;
    }
    return answer;
  };
}

/**
 * Creates the redactor of one log; the key never leaves it. The fast path writes the JSON as it
 * walks (no redacted copy is built); it handles what `JSON.stringify` writes without calling
 * user code: plain objects, arrays, strings, finite and non-finite numbers, booleans, null and
 * undefined. Anything else throws `NOT_PLAIN` and takes the general path.
 */
export function createHmacRedactor(key: Uint8Array): HmacRedactor {
  const hmac = createHmacSha256(key);
  const hmacOf = (value: unknown): string => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    return `hmac-sha256:${hmac(text)}`;
  };
  // Core's verdict on a name alone (a non-secret value under it is redacted only by the key rule), and its JSON.
  const describeKey = (name: string): { secret: boolean; json: string } => ({
    secret: (redactSecrets({ [name]: 0 }) as Record<string, unknown>)[name] === REDACTED,
    json: `${JSON.stringify(name)}:`,
  });
  const knownKey = memo(describeKey);
  const keyOf = (name: string): { secret: boolean; json: string } => knownKey(name) ?? describeKey(name);
  // The JSON of a short string core finds no secret in (`undefined` when it does). Only such
  // strings are kept, and the log writes each of them in clear anyway.
  const clearShortString = memo((text) => (redactSecrets(text) === REDACTED ? undefined : JSON.stringify(text)));
  const stringJson = (text: string): string => {
    if (text === REDACTED) return `"${REDACTED}"`;
    const clear =
      text.length <= CACHED_STRING_LENGTH
        ? clearShortString(text)
        : redactSecrets(text) === REDACTED
          ? undefined
          : JSON.stringify(text);
    return clear ?? `"${hmacOf(text)}"`;
  };
  const secretJson = (value: unknown): string => (value === REDACTED ? `"${REDACTED}"` : `"${hmacOf(value)}"`);

  const json = (value: unknown, depth: number): string | undefined => {
    switch (typeof value) {
      case 'string':
        return stringJson(value);
      case 'number':
      case 'boolean':
        return JSON.stringify(value);
      case 'undefined':
      // Left out, as core leaves functions out of its copy (JSON.stringify would call a `toJSON`).
      case 'function':
        return undefined;
      case 'object':
        if (value === null) return 'null';
        if (depth >= FAST_PATH_DEPTH) throw NOT_PLAIN;
        return Array.isArray(value) ? arrayJson(value, depth) : objectJson(value, depth);
      default:
        throw NOT_PLAIN;
    }
  };
  const arrayJson = (items: readonly unknown[], depth: number): string => {
    if (Object.getPrototypeOf(items) !== Array.prototype) throw NOT_PLAIN;
    let out = '[';
    for (let index = 0; index < items.length; index += 1) {
      out += `${index === 0 ? '' : ','}${json(items[index], depth + 1) ?? 'null'}`;
    }
    return `${out}]`;
  };
  const objectJson = (value: object, depth: number): string => {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
    const source = value as Record<string, unknown>;
    let out = '{';
    for (const name of Object.keys(source)) {
      const field = source[name];
      if (typeof field === 'function') continue;
      const key = keyOf(name);
      const keyRedacts = key.secret && field !== undefined && field !== null && typeof field !== 'boolean';
      // A secret under a secret name is hashed as it is, even a value the fast path would refuse.
      const text = keyRedacts ? secretJson(field) : json(field, depth + 1);
      if (text !== undefined) out += `${out.length === 1 ? '' : ','}${key.json}${text}`;
    }
    return `${out}}`;
  };
  return (value) => {
    try {
      return json(value, 0);
    } catch (error) {
      if (error !== NOT_PLAIN) throw error;
      return JSON.stringify(restore(value, redactSecrets(value), hmacOf));
    }
  };
}

/** Replaces every secret of `value` with its keyed HMAC; the general path, kept as the reference. */
export function hmacRedact(value: unknown, key: Uint8Array): unknown {
  const hmac = createHmacSha256(key);
  const hmacOf = (item: unknown): string =>
    `hmac-sha256:${hmac(typeof item === 'string' ? item : (JSON.stringify(item) ?? String(item)))}`;
  return restore(value, redactSecrets(value), hmacOf);
}

// Walks core's fresh copy alongside the original and fills in HMACs in place.
function restore(original: unknown, redacted: unknown, hmacOf: (value: unknown) => string): unknown {
  if (redacted === REDACTED) return original === REDACTED || original === undefined ? REDACTED : hmacOf(original);
  if (typeof redacted !== 'object' || redacted === null || typeof original !== 'object' || original === null)
    return redacted;
  const copy = redacted as Record<string, unknown>;
  const source = original as Record<string, unknown>;
  for (const field of Object.keys(copy)) {
    const item = copy[field];
    if (typeof item === 'object' || item === REDACTED) copy[field] = restore(source[field], item, hmacOf);
  }
  return copy;
}

/**
 * HMAC-SHA-256 (RFC 2104) as base64url, with the padded keys computed once and two one-shot
 * hashes per value: no Hmac object and no key import per secret.
 */
function createHmacSha256(key: Uint8Array): (text: string) => string {
  const block = 64;
  const normalised = key.length > block ? Buffer.from(hash('sha256', key, 'binary'), 'latin1') : key;
  const inner = Buffer.alloc(block + 1024, 0x36);
  const outer = Buffer.alloc(block + 32, 0x5c);
  for (let index = 0; index < normalised.length; index += 1) {
    inner[index] = 0x36 ^ (normalised[index] ?? 0);
    outer[index] = 0x5c ^ (normalised[index] ?? 0);
  }
  const innerPad = Buffer.from(inner.subarray(0, block));
  return (text) => {
    // A UTF-16 code unit is at most three UTF-8 bytes, so a short text always fits the scratch space.
    const input =
      text.length * 3 <= inner.length - block
        ? inner.subarray(0, block + inner.write(text, block, 'utf8'))
        : Buffer.concat([innerPad, Buffer.from(text, 'utf8')]);
    // String digests: Node 20's one-shot hash returns a string about three times faster than a Buffer.
    outer.write(hash('sha256', input, 'binary'), block, 32, 'latin1');
    return hash('sha256', outer, 'base64url');
  };
}
