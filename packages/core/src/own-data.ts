/**
 * Own-data copies: what core's parsers read instead of the caller's objects (the security
 * configuration and what the capability algebra is given), so that a field an input never set
 * cannot come from a polluted `Object.prototype`.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';

/** Deeper than any document core parses (its deepest, a snapshot's constraint values, stop at 16). */
const MAX_DEPTH = 64;

/**
 * Copies `value` so that only its own data can be read from it. Every plain object (its
 * prototype `Object.prototype` or `null`), at any depth, becomes a null-prototype object holding
 * the original's own enumerable string-keyed properties; every array becomes a new array of its
 * own elements (a hole becomes `undefined`); anything else (primitives, functions, class
 * instances, dates, maps) is returned as it is, for the parser to refuse.
 *
 * Why: zod's object parsing, and the algebra's readers, read a field with plain property access,
 * which falls through to the prototype. With `Object.prototype.capabilities` (or `enforcement`,
 * `delegatable`, …) set by some other library, a layer or grant that never set the field would
 * get that value; in the copy it reads as `undefined`. Each property is read once (a getter runs
 * once), so what is validated is what is used. Shared and cyclic references stay shared and
 * cyclic, between copies. A `"__proto__"` key (as `JSON.parse` makes) stays an ordinary key.
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) when objects are nested more than 64 deep,
 * deeper than anything core accepts, instead of exhausting the stack.
 */
export function ownDataCopy<Value>(value: Value): Value {
  return copy(value, new Map(), 0) as Value;
}

function copy(value: unknown, copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  const isArray = Array.isArray(value);
  if (!isArray && !hasPlainPrototype(value)) return value;
  if (depth >= MAX_DEPTH) {
    throw new InvalidInputError({
      message: `Input nested more than ${MAX_DEPTH} levels deep`,
      issues: [{ path: '', message: `nested more than ${MAX_DEPTH} levels deep` }],
    });
  }
  if (isArray) {
    const items: unknown[] = new Array(value.length);
    copies.set(value, items);
    for (let index = 0; index < value.length; index++) {
      items[index] = Object.hasOwn(value, index) ? copy(value[index], copies, depth + 1) : undefined;
    }
    return items;
  }
  const fields: Record<string, unknown> = Object.create(null);
  copies.set(value, fields);
  for (const key of Object.keys(value)) {
    // On a null-prototype object "__proto__" is an ordinary key: assigning it sets no prototype.
    fields[key] = copy((value as Record<string, unknown>)[key], copies, depth + 1);
  }
  return fields;
}

function hasPlainPrototype(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
