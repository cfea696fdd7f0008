/**
 * "The arguments must match the input schema the tool declared": JSON Schema validation with
 * compiled validators cached per schema digest.
 *
 * @module
 */
import { computePayloadDigest } from '@warden/core';
import { Ajv } from 'ajv';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** Validates tool arguments against declared input schemas. */
export interface InputSchemaChecker {
  /** `undefined` when `args` match `schema`, otherwise what is wrong. A schema that cannot be compiled fails. */
  check(schema: unknown, args: unknown): string | undefined;
}

const MAX_CACHED = 512;

/**
 * True when the schema names an older draft (04, 06, 07): those spell some keywords differently
 * from 2020-12 (a tuple is `items: [...]` with `additionalItems`, not `prefixItems`), and a
 * 2020-12 validator cannot compile them, which refused every call to the tool.
 */
function isDraft07OrOlder(schema: Record<string, unknown>): boolean {
  return typeof schema.$schema === 'string' && /json-schema\.org\/draft-0[4-7]\/schema/.test(schema.$schema);
}

/** Creates a checker with its own validator cache. */
export function createInputSchemaChecker(): InputSchemaChecker {
  const options = { strict: false, allErrors: false, validateFormats: false } as const;
  const ajv = new Ajv2020(options);
  const draft07 = new Ajv(options);
  const cache = new Map<string, ValidateFunction>();
  // The same listed schema object comes back on every call: skip the digest for it.
  const bySchemaObject = new WeakMap<object, ValidateFunction>();
  const compile = (schema: Record<string, unknown>): ValidateFunction => {
    const known = bySchemaObject.get(schema);
    if (known !== undefined) return known;
    const key = computePayloadDigest(schema);
    let validate = cache.get(key);
    if (validate === undefined) {
      // Without `$schema` a tool's schema is 2020-12 (MCP's default dialect).
      const { $schema: _ignored, $id: _id, ...body } = schema;
      validate = (isDraft07OrOlder(schema) ? draft07 : ajv).compile(body);
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(key, validate);
    }
    bySchemaObject.set(schema, validate);
    return validate;
  };
  return {
    check(schema, args) {
      if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
        return 'the tool declared no input schema';
      let validate: ValidateFunction;
      try {
        validate = compile(schema as Record<string, unknown>);
      } catch {
        return 'the tool declared an input schema that cannot be compiled';
      }
      if (validate(args)) return undefined;
      const first = validate.errors?.[0];
      return first
        ? `arguments${first.instancePath.replaceAll('/', '.')} ${first.message ?? 'are invalid'}`
        : 'arguments are invalid';
    },
  };
}
