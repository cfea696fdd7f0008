/**
 * "The arguments must match the input schema the tool declared": JSON Schema validation with
 * compiled validators cached by the schema's digest, in a bounded cache.
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

/** Settings of {@link createInputSchemaChecker}. */
interface InputSchemaCheckerOptions {
  /** How many compiled schemas may be kept before the cache starts anew. @default 512 */
  maxCached?: number;
}

const DEFAULT_MAX_CACHED = 512;

/**
 * True when the schema names an older draft (04, 06, 07): those spell some keywords differently
 * from 2020-12 (a tuple is `items: [...]` with `additionalItems`, not `prefixItems`), and a
 * 2020-12 validator cannot compile them, which refused every call to the tool.
 */
function isDraft07OrOlder(schema: Record<string, unknown>): boolean {
  return typeof schema.$schema === 'string' && /json-schema\.org\/draft-0[4-7]\/schema/.test(schema.$schema);
}

/** Validators for both dialects; everything they compile stays reachable from them. */
interface Compilers {
  draft2020: Ajv2020;
  draft07: Ajv;
}

function createCompilers(): Compilers {
  const options = { strict: false, allErrors: false, validateFormats: false } as const;
  return { draft2020: new Ajv2020(options), draft07: new Ajv(options) };
}

/**
 * Compiles `body`, then drops the `$id`s it registered, so that one tool's nested `$id` is never
 * what another tool's `$ref` resolves to (a decision then depends on the schema alone, not on
 * which schemas were compiled before it). References are resolved when a validator is compiled.
 */
function compileAlone(compiler: Ajv | Ajv2020, body: Record<string, unknown>): ValidateFunction {
  const knownRefs = new Set(Object.keys(compiler.refs));
  try {
    return compiler.compile(body);
  } finally {
    compiler.removeSchema(body);
    for (const ref of Object.keys(compiler.refs)) if (!knownRefs.has(ref)) delete compiler.refs[ref];
  }
}

/**
 * Creates a checker with its own validator cache. An Ajv instance keeps every schema it ever
 * compiled (its generated code indexes them in a scope shared by the instance), so evicting a
 * validator frees nothing while the instance lives: a hostile upstream that kept changing its
 * schemas grew memory without bound. Once `maxCached` schemas were compiled (or failed to), the
 * cache and the compilers are replaced together: at most `maxCached` compiled schemas are ever
 * reachable, and a schema compiled again gives the same validator.
 */
export function createInputSchemaChecker(checkerOptions: InputSchemaCheckerOptions = {}): InputSchemaChecker {
  const maxCached = checkerOptions.maxCached ?? DEFAULT_MAX_CACHED;
  let compilers = createCompilers();
  /** Digest of the schema's canonical text → validator compiled by the current `compilers`. */
  let cache = new Map<string, ValidateFunction>();
  /** Compilations by the current `compilers`, failed ones included (they leave state behind too). */
  let compilations = 0;
  // The same listed schema object comes back on every call: skip the digest for it. Only the
  // digest is kept here, so the cache above stays the one bound on compiled validators.
  const digestOf = new WeakMap<object, string>();
  const compile = (schema: Record<string, unknown>): ValidateFunction => {
    let key = digestOf.get(schema);
    if (key === undefined) {
      key = computePayloadDigest(schema);
      digestOf.set(schema, key);
    }
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (compilations >= maxCached) {
      compilers = createCompilers();
      cache = new Map();
      compilations = 0;
    }
    compilations += 1;
    // Without `$schema` a tool's schema is 2020-12 (MCP's default dialect).
    const { $schema: _ignored, $id: _id, ...body } = schema;
    const validate = compileAlone(isDraft07OrOlder(schema) ? compilers.draft07 : compilers.draft2020, body);
    cache.set(key, validate);
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
