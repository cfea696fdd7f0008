/**
 * Tool definitions: the digest a pin binds (name, title, description, input and output schema,
 * annotations) and the invisible or bidirectional-control characters that hide instructions.
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
  /** Anything else the upstream sent, forwarded untouched. */
  [field: string]: unknown;
}

/** The `sha256:` digest a pin holds for a tool definition. */
export function toolDefinitionDigest(tool: McpToolDefinition): string {
  return computePayloadDigest({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    annotations: tool.annotations,
  });
}

// Zero-width and format characters, bidirectional controls, tag characters, variation selectors.
const HIDDEN_RANGES: ReadonlyArray<readonly [number, number]> = [
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
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

function isHidden(codePoint: number): boolean {
  return HIDDEN_RANGES.some(([low, high]) => codePoint >= low && codePoint <= high);
}

/**
 * The code points of invisible or bidirectional-control characters anywhere in the definition
 * (descriptions of parameters included), as `U+XXXX`; empty when there are none.
 */
export function findHiddenCharacters(tool: McpToolDefinition): string[] {
  const found = new Set<string>();
  for (const character of JSON.stringify(tool)) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (codePoint < 0xad || !isHidden(codePoint)) continue;
    found.add(`U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`);
    if (found.size >= 16) break;
  }
  return [...found];
}
