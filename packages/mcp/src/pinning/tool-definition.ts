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

/**
 * Characters that hide text: control characters (an ESC starts the ANSI sequences that hide or
 * overwrite text in a terminal; tab, line feed and carriage return are ordinary text), every
 * default-ignorable code point (zero-width and bidirectional controls, variation selectors, tag
 * characters, blank-looking Hangul fillers, and the code points Unicode reserves as invisible but
 * has not assigned yet, so a character assigned later is flagged already), the other invisible
 * format characters (interlinear annotation, Egyptian hieroglyph format controls), and the
 * symbols that print as nothing: the braille blank U+2800, U+16FE4 and U+1D159.
 */
const HIDDEN = /[\p{Cc}\p{Default_Ignorable_Code_Point}\ufff9-\ufffb\u{13430}-\u{1343f}\u2800\u{16fe4}\u{1d159}]/gu;

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
  for (const [character] of text.matchAll(HIDDEN)) {
    if (character === '\t' || character === '\n' || character === '\r') continue;
    const codePoint = character.codePointAt(0) ?? 0;
    found.add(`U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`);
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
