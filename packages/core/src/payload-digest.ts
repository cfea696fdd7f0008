/**
 * Digests that bind an approval to the exact payload that was approved.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.js';

/**
 * A SHA-256 digest (`sha256:<hex>`) of a canonical JSON encoding of `payload`: object keys are
 * sorted, so two payloads with the same content always have the same digest, and two payloads
 * with different content never share an encoding.
 *
 * @throws {@link InvalidInputError} for anything that is not plain JSON data: functions,
 * symbols, bigints, non-finite numbers, cycles, `undefined` or holes in arrays, symbol keys,
 * accessor properties, and objects other than plain objects and arrays (`Date`, `URL`, `Map`,
 * `Set`, `RegExp`, class instances, boxed primitives…), whose content JSON would drop; and
 * objects or arrays nested more than 512 deep.
 */
export function computePayloadDigest(payload: unknown): string {
  return digestCanonicalJson(canonicalJson(payload));
}

/**
 * The digest {@link computePayloadDigest} gives the payload whose canonical JSON is `canonical`.
 * For code that keeps the encoding as well as the digest: encoding once means both describe the
 * same content, even for an object (a `Proxy`, say) that answers differently each time it is read.
 */
export function digestCanonicalJson(canonical: string): string {
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * Canonical JSON: sorted object keys, no whitespace, `undefined` object members dropped.
 *
 * @throws {@link InvalidInputError} for a value that is not plain JSON data (see
 * {@link computePayloadDigest}).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

/** Deepest nesting of objects and arrays a payload may have. */
const MAX_NESTING = 512;

function encode(value: unknown, ancestors: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw unencodable('a non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw unencodable(`a ${typeof value}`);
  if (ancestors.has(value)) throw unencodable('a cycle');
  // `ancestors` is the path down to here. Far deeper than any real payload, and well within
  // the stack: a payload nested deeper (tool arguments from an MCP client, say) would otherwise
  // overflow it and throw an untyped RangeError.
  if (ancestors.size >= MAX_NESTING) throw unencodable(`objects or arrays nested more than ${MAX_NESTING} deep`);
  ancestors.add(value);
  try {
    return Array.isArray(value) ? encodeArray(value, ancestors) : encodeObject(value, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function encodeArray(array: unknown[], ancestors: Set<object>): string {
  // A subclass or an array carrying extra members would lose them: only plain arrays are data.
  if (Object.getPrototypeOf(array) !== Array.prototype) throw unencodable('an array subclass');
  const keys = Reflect.ownKeys(array);
  if (keys.length !== array.length + 1) throw unencodable('an array with holes or extra members');
  const items: string[] = [];
  for (let index = 0; index < array.length; index += 1) {
    const descriptor = Object.getOwnPropertyDescriptor(array, index);
    if (descriptor === undefined) throw unencodable('an array with holes');
    if (!('value' in descriptor)) throw unencodable('an accessor property');
    if (descriptor.value === undefined) throw unencodable('undefined in an array');
    items.push(encode(descriptor.value, ancestors));
  }
  return `[${items.join(',')}]`;
}

function encodeObject(object: object, ancestors: Set<object>): string {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    throw unencodable(`an instance of ${constructorName(object)}`);
  }
  if (Object.getOwnPropertySymbols(object).length > 0) throw unencodable('a symbol key');
  const members: string[] = [];
  for (const key of Object.getOwnPropertyNames(object).sort()) {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (descriptor === undefined || !descriptor.enumerable) throw unencodable('a non-enumerable property');
    if (!('value' in descriptor)) throw unencodable('an accessor property');
    if (descriptor.value === undefined) continue;
    members.push(`${JSON.stringify(key)}:${encode(descriptor.value, ancestors)}`);
  }
  return `{${members.join(',')}}`;
}

function constructorName(object: object): string {
  try {
    const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'a class';
  } catch {
    return 'a class';
  }
}

function unencodable(what: string): InvalidInputError {
  return new InvalidInputError({
    message: `Payload cannot be digested: it contains ${what}; only plain JSON data (objects, arrays, strings, finite numbers, booleans, null) can be approved`,
    issues: [{ path: 'payload', message: `contains ${what}` }],
  });
}
