/**
 * Reading and validating `warden-mcp.json`, and its published JSON Schema.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError, parseInput, refuseRepeatedJsonKeys } from '@warden/core';
import { z } from 'zod';
import { type ResolvedMcpConfig, type WardenMcpConfigInput, wardenMcpConfigSchema } from './config-schema.js';

/**
 * Validates a configuration document and fills in its defaults.
 *
 * @throws {@link InvalidInputError} naming every field at fault (`tools.fs/read_file.arguments.path.roots`).
 */
export function parseMcpConfig(input: WardenMcpConfigInput | unknown): ResolvedMcpConfig {
  return parseInput(wardenMcpConfigSchema, input, 'warden-mcp configuration');
}

/** Reads and validates a configuration file. @throws {@link InvalidInputError} when unreadable or invalid. */
export function loadMcpConfigFile(path: string): ResolvedMcpConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError({
      message: `Cannot read ${path}`,
      issues: [{ path: '', message: 'unreadable' }],
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError({
      message: `${path} is not JSON`,
      issues: [{ path: '', message: 'not JSON' }],
      cause: error,
    });
  }
  // JSON.parse keeps the last of a repeated key; whoever reviewed the file may have read the first.
  refuseRepeatedJsonKeys(text, path);
  return parseMcpConfig(document);
}

/** The JSON Schema of `warden-mcp.json` (draft 2020-12), generated from the zod schema. */
export function mcpConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(wardenMcpConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...schema, $id: 'https://warden.dev/schemas/warden-mcp.schema.json', title: 'warden-mcp configuration' };
}
