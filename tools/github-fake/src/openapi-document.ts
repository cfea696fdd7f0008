/**
 * GitHub's published OpenAPI description (npm `@octokit/openapi`), loaded once per process.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** An OpenAPI 3.0 schema object or reference, as GitHub publishes it (kept loose on purpose). */
export type OpenApiSchema = Record<string, unknown>;

/** One parameter of an operation. */
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: OpenApiSchema;
}

/** One response of an operation. */
export interface OpenApiResponse {
  content?: Record<string, { schema?: OpenApiSchema }>;
}

/** One operation (`paths[template][method]`). */
export interface OpenApiOperation {
  operationId: string;
  parameters?: Array<OpenApiParameter | { $ref: string }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: OpenApiSchema }> };
  responses: Record<string, OpenApiResponse | { $ref: string }>;
}

/** The parts of the document the fake reads. */
export interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, Record<string, unknown>>;
}

let cachedDocument: OpenApiDocument | undefined;

/**
 * Returns GitHub's OpenAPI description for api.github.com. The 13 MB file is read and parsed on
 * the first call only; later calls (from any fake in the process) share it.
 */
export function loadGitHubOpenApiDocument(): OpenApiDocument {
  if (!cachedDocument) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    cachedDocument = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  }
  return cachedDocument;
}

/** Follows a local `$ref` (`#/components/...`) until it reaches a non-reference object. */
export function resolveReference<Target>(document: OpenApiDocument, value: Target | { $ref: string }): Target {
  let current: unknown = value;
  for (let depth = 0; depth < 16; depth++) {
    const reference = (current as { $ref?: unknown }).$ref;
    if (typeof reference !== 'string') return current as Target;
    current = lookUpPointer(document, reference);
  }
  throw new Error(`github-fake: reference chain too deep at ${JSON.stringify(value)}`);
}

/** Reads `#/a/b/c` from the document; throws when it names nothing. */
export function lookUpPointer(document: OpenApiDocument, pointer: string): unknown {
  if (!pointer.startsWith('#/')) throw new Error(`github-fake: only local references are supported, got ${pointer}`);
  let current: unknown = document;
  for (const rawSegment of pointer.slice(2).split('/')) {
    const segment = rawSegment.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) {
      throw new Error(`github-fake: reference ${pointer} names nothing in GitHub's OpenAPI description`);
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
