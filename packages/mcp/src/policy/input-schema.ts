/**
 * "The arguments must match the input schema the tool declared": JSON Schema validation with
 * compiled validators cached per schema digest.
 *
 * @module
 */
import { computePayloadDigest } from '@warden/core';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/** Validates tool arguments against declared input schemas. */
export interface InputSchemaChecker {
  /** `undefined` when `args` match `schema`, otherwise what is wrong. A schema that cannot be compiled fails. */
  check(schema: unknown, args: unknown): string | undefined;
}

const MAX_CACHED = 512;

/** Creates a checker with its own validator cache. */
export function createInputSchemaChecker(): InputSchemaChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  const cache = new Map<string, ValidateFunction>();
  // The same listed schema object comes back on every call: skip the digest for it.
  const bySchemaObject = new WeakMap<object, ValidateFunction>();
  const compile = (schema: Record<string, unknown>): ValidateFunction => {
    const known = bySchemaObject.get(schema);
    if (known !== undefined) return known;
    const key = computePayloadDigest(schema);
    let validate = cache.get(key);
    if (validate === undefined) {
      // Declared schemas name draft-07 or 2020-12; the keywords tools use are the same in both.
      const { $schema: _ignored, $id: _id, ...body } = schema;
      validate = ajv.compile(body);
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
