/**
 * Tool definitions: the digest a pin binds (every field the upstream lists) and the invisible or
 * bidirectional-control characters that hide instructions.
 *
 * @module
 */
import { computePayloadDigest } from '@warden/core';

/** A tool as an upstream lists it (the fields Warden reads). */
export interface McpToolDefinition {
  /** The tool's name. */
  name: string;
  /** Display title. */
  title?: string;
  /** What the tool does, shown to the model. */
  description?: string;
  /** JSON Schema of the arguments. */
  inputSchema?: unknown;
  /** JSON Schema of the structured result. */
  outputSchema?: unknown;
  /** Hints (read-only, destructive…). */
  annotations?: unknown;
  /** Anything else the upstream sent (`_meta`, `icons`, `execution`…), forwarded untouched and pinned with the rest. */
  [field: string]: unknown;
}

/**
 * The `sha256:` digest a pin holds for a tool definition: of every field, as listings forward
 * every field. Hashing only the name, title, description, schemas and annotations let a pinned
 * tool change the rest unseen: its `_meta` (the UI template an MCP Apps host renders), `icons`,
 * `execution`, or a field a later revision adds. For a definition holding only those fields the
 * digest is the one they gave.
 */
export function toolDefinitionDigest(tool: McpToolDefinition): string {
  return computePayloadDigest(tool);
}

// Control characters (an ESC starts the ANSI sequences that hide or overwrite text in a
// terminal), zero-width and format characters, bidirectional controls, tag characters, variation
// selectors, and blank-looking letters. Tab, line feed and carriage return are ordinary text.
const HIDDEN_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x0008],
  [0x000b, 0x000c],
  [0x000e, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

function isHidden(codePoint: number): boolean {
  return HIDDEN_RANGES.some(([low, high]) => codePoint >= low && codePoint <= high);
}

/**
 * The code points of control, invisible or bidirectional-control characters anywhere in the
 * definition (descriptions of parameters and keys included), as `U+XXXX` in code-point order (at
 * most 16); empty when there are none. Takes a tool definition, or anything else an upstream
 * shows the model (its `instructions`, a listed prompt or resource).
 */
export function findHiddenCharacters(definition: unknown): string[] {
  const found = new Set<string>();
  // The strings themselves, keys included: JSON.stringify would have written control characters
  // as harmless-looking `\u001b` escapes.
  const pending: unknown[] = [definition];
  while (pending.length > 0 && found.size < 16) {
    const value = pending.pop();
    if (typeof value === 'string') {
      addHidden(value, found);
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        addHidden(key, found);
        pending.push(item);
      }
    }
  }
  const byCodePoint = (name: string) => Number.parseInt(name.slice(2), 16);
  return [...found].sort((a, b) => byCodePoint(a) - byCodePoint(b)).slice(0, 16);
}

function addHidden(text: string, found: Set<string>): void {
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (codePoint >= 0x20 && codePoint < 0x7f) continue;
    if (isHidden(codePoint)) found.add(`U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`);
  }
}

/**
 * The tool-name charset MCP recommends (2025-11-25: 1 to 128 characters, ASCII letters, digits,
 * `_`, `-`, `.`). A name outside it may mix scripts or hold a confusable letter (`bаsh` with a
 * Cyrillic `а` beside an allowed `bash`), so such a tool is hidden from listings and refused.
 */
const SAFE_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** True when `name` keeps to MCP's recommended tool-name charset (ASCII, so no look-alike letters). */
export function isSafeToolName(name: string): boolean {
  return SAFE_TOOL_NAME.test(name);
}
