/**
 * Turns GitHub's OpenAPI 3.0 schemas into JSON Schema that ajv compiles, handling the
 * description's quirks deliberately rather than by switching validation off:
 *
 * - `nullable: true` (OpenAPI 3.0, not JSON Schema) becomes a `null` type, a `null` enum member,
 *   or `anyOf [null, schema]` when the schema has no `type`;
 * - annotations ajv's strict mode refuses (`example`, `x-github-…`, `readOnly`, `deprecated`…)
 *   are dropped; any other keyword we have not thought about throws, so a new quirk is noticed;
 * - `$ref`s to components are compiled once per process, and only those the used operations reach;
 * - objects that list `properties` but say nothing about `additionalProperties` are made closed
 *   (`additionalProperties: false`), so a misspelled field fails validation. GitHub itself ignores
 *   unknown request fields, which is exactly how a typo goes unnoticed against the real API.
 *   Direct branches of `allOf`/`anyOf`/`oneOf` stay open, because closing a branch would reject
 *   the properties its siblings define.
 *
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  loadGitHubOpenApiDocument,
  lookUpPointer,
  type OpenApiDocument,
  type OpenApiSchema,
} from './openapi-document.js';

const COMPONENT_ID_PREFIX = 'https://github-fake.invalid/components/';

/** Annotations without meaning for validation. */
const DROPPED_KEYWORDS = new Set([
  'description',
  'title',
  'example',
  'examples',
  'externalDocs',
  'readOnly',
  'writeOnly',
  'deprecated',
  'xml',
  'nullable',
]);

/** JSON Schema keywords that mean the same in OpenAPI 3.0 and in ajv's draft-07. */
const KEPT_KEYWORDS = new Set([
  'type',
  'enum',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'default',
]);

/** How one schema is converted. */
interface ConversionMode {
  /** Close objects that list `properties` (see the module comment). */
  closeObjects: boolean;
}

/** Compiles OpenAPI schemas from one document into ajv validators. */
export class OpenApiSchemaCompiler {
  private readonly ajv: Ajv;
  private readonly registeredComponents = new Set<string>();

  /** @param document GitHub's OpenAPI description. */
  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => void;
    addFormats(this.ajv, ['date-time', 'date', 'uri', 'email', 'uuid']);
    // OpenAPI's integer formats: JSON numbers are already checked by `type: integer`.
    this.ajv.addFormat('int32', { type: 'number', validate: (value: number) => Math.abs(value) <= 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
  }

  /** Compiles `schema` (which may reference components) into a validator. */
  compile(schema: OpenApiSchema, mode: ConversionMode = { closeObjects: true }): ValidateFunction {
    return this.ajv.compile(this.convert(schema, mode));
  }

  private convert(schema: OpenApiSchema, mode: ConversionMode): OpenApiSchema {
    if (typeof schema.$ref === 'string') return { $ref: this.registerComponent(schema.$ref, mode) };
    const converted: OpenApiSchema = {};
    for (const [keyword, value] of Object.entries(schema)) {
      if (DROPPED_KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
      if (KEPT_KEYWORDS.has(keyword)) converted[keyword] = value;
      else converted[keyword] = this.convertStructural(keyword, value);
    }
    if (mode.closeObjects && schema.properties !== undefined && schema.additionalProperties === undefined) {
      converted.additionalProperties = false;
    }
    return schema.nullable === true ? makeNullable(converted) : converted;
  }

  /** Children are closed again; only the direct branches of a composition stay open. */
  private convertStructural(keyword: string, value: unknown): unknown {
    const nested = (child: unknown, closeObjects = true) => this.convert(child as OpenApiSchema, { closeObjects });
    switch (keyword) {
      case 'properties':
        return Object.fromEntries(Object.entries(value as object).map(([name, child]) => [name, nested(child)]));
      case 'items':
      case 'not':
        return nested(value);
      case 'additionalProperties':
        return typeof value === 'boolean' ? value : nested(value);
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        return (value as unknown[]).map((branch) => nested(branch, false));
      default:
        throw new Error(`github-fake: OpenAPI keyword "${keyword}" is not handled; decide what it means first`);
    }
  }

  /** Adds a component once per mode and returns the id to reference it by. */
  private registerComponent(pointer: string, mode: ConversionMode): string {
    const id = `${COMPONENT_ID_PREFIX}${mode.closeObjects ? 'closed' : 'open'}/${pointer.slice(2)}`;
    if (this.registeredComponents.has(id)) return id;
    this.registeredComponents.add(id);
    // Registered before conversion so that a self-referencing component terminates.
    const component = lookUpPointer(this.document, pointer) as OpenApiSchema;
    this.ajv.addSchema(this.convert(component, mode), id);
    return id;
  }
}

function makeNullable(schema: OpenApiSchema): OpenApiSchema {
  if (typeof schema.type === 'string') {
    const nullable: OpenApiSchema = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) nullable.enum = [...schema.enum, null];
    return nullable;
  }
  return { anyOf: [{ type: 'null' }, schema] };
}

/** Formats ajv's errors as one readable line each: `/field/path: problem (detail)`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    const details: string[] = [];
    if (typeof params.additionalProperty === 'string') details.push(`unexpected "${params.additionalProperty}"`);
    if (Array.isArray(params.allowedValues)) details.push(`allowed: ${params.allowedValues.map(String).join(', ')}`);
    const suffix = details.length > 0 ? ` (${details.join('; ')})` : '';
    return `${where}${error.instancePath || ''} ${error.message ?? 'is invalid'}${suffix}`;
  });
}

let sharedCompiler: OpenApiSchemaCompiler | undefined;

/** One compiler per process over GitHub's description, so each component compiles once. */
export function getSharedSchemaCompiler(): OpenApiSchemaCompiler {
  sharedCompiler ??= new OpenApiSchemaCompiler(loadGitHubOpenApiDocument());
  return sharedCompiler;
}
