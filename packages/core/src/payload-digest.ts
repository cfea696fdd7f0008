/**
 * Digests that bind an approval to the exact payload that was approved.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.js';

/**
 * A SHA-256 digest (`sha256:<hex>`) of a canonical JSON encoding of `payload`: object keys are
 * sorted, so two payloads with the same content always have the same digest.
 *
 * @throws {@link InvalidInputError} for values JSON cannot represent faithfully (functions,
 * symbols, bigints, non-finite numbers, cycles).
 */
export function computePayloadDigest(payload: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(payload)).digest('hex')}`;
}

/** Canonical JSON: sorted object keys, no whitespace, `undefined` object members dropped. */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, ancestors: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw unencodable('a non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw unencodable(`a ${typeof value}`);
  if (ancestors.has(value)) throw unencodable('a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => (item === undefined ? 'null' : encode(item, ancestors))).join(',')}]`;
    }
    const members = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${encode((value as Record<string, unknown>)[key], ancestors)}`);
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function unencodable(what: string): InvalidInputError {
  return new InvalidInputError({
    message: `Payload cannot be digested: it contains ${what}`,
    issues: [{ path: 'payload', message: `contains ${what}` }],
  });
}
