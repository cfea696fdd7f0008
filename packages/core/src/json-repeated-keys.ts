/**
 * Finds a key repeated within one JSON object. `JSON.parse` keeps the last of them without a
 * word, while a person reviewing a security config reads the first: `{"enforcement": "enforce",
 * …, "enforcement": "warn"}` reviews as enforcing and loads as warning. Keys compare as decoded
 * strings, so `"\u0061llow"` repeats `"allow"`.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';

/** One open object or array while scanning: its keys so far (objects), its path, where it is. */
interface Frame {
  readonly keys: Set<string> | undefined;
  readonly path: string;
  /** The key whose value is being read (objects). */
  key: string;
  /** The index of the element being read (arrays). */
  index: number;
}

/**
 * The JSON Pointer (RFC 6901) of the first repeated key in `text`, or `undefined` when no object
 * repeats a key. `text` must already have parsed as JSON.
 */
export function findRepeatedJsonKey(text: string): string | undefined {
  const open: Frame[] = [];
  let expectingKey = false;
  for (let position = 0; position < text.length; position++) {
    const character = text[position];
    if (character === '"') {
      const end = endOfString(text, position);
      const top = open.at(-1);
      if (top?.keys && expectingKey) {
        const key = JSON.parse(text.slice(position, end + 1)) as string;
        if (top.keys.has(key)) return `${top.path}/${pointerToken(key)}`;
        top.keys.add(key);
        top.key = key;
        expectingKey = false;
      }
      position = end;
    } else if (character === '{' || character === '[') {
      const parent = open.at(-1);
      const path = parent ? `${parent.path}/${parent.keys ? pointerToken(parent.key) : parent.index}` : '';
      open.push({ keys: character === '{' ? new Set() : undefined, path, key: '', index: 0 });
      expectingKey = character === '{';
    } else if (character === '}' || character === ']') {
      open.pop();
      expectingKey = false;
    } else if (character === ',') {
      const top = open.at(-1);
      if (top?.keys) expectingKey = true;
      else if (top) top.index += 1;
    }
  }
  return undefined;
}

/**
 * Throws `InvalidInputError` when an object in `text` (already parsed as JSON) repeats a key; the
 * issue's path is the key's JSON Pointer.
 * @param what the document, as the message names it (`Security config /etc/warden.json`)
 */
export function refuseRepeatedJsonKeys(text: string, what: string): void {
  const repeated = findRepeatedJsonKey(text);
  if (repeated === undefined) return;
  throw new InvalidInputError({
    message: `${what} repeats the key at ${repeated}: a reader keeps only the last, a reviewer may read the first`,
    issues: [{ path: repeated, message: 'repeated key' }],
  });
}

/** The position of the quote that closes the string opening at `start`. */
function endOfString(text: string, start: number): number {
  let position = start + 1;
  while (position < text.length && text[position] !== '"') position += text[position] === '\\' ? 2 : 1;
  return position;
}

/** A key as one JSON Pointer reference token. */
function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
