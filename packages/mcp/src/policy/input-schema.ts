/**
 * "The arguments must match the input schema the tool declared": JSON Schema validation with
 * compiled validators cached by the schema's digest, in a bounded cache.
 *
 * @module
 */
import { computePayloadDigest } from '@warden/core';
import { Ajv } from 'ajv';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { assessPattern, PATTERN_STEP_BUDGET, UnsafePatternError } from './pattern-cost.js';

/** Validates tool arguments against declared input schemas. */
export interface InputSchemaChecker {
  /**
   * `undefined` when `args` match `schema`, otherwise what is wrong. A schema that cannot be
   * compiled fails, and so does a string too long to be tested against its pattern within
   * {@link PATTERN_STEP_BUDGET} (see `pattern-cost.ts`).
   */
  check(schema: unknown, args: unknown): string | undefined;
}

/** Schema keywords whose values are data, not schemas: a `pattern` key in them is not a pattern. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

const unsafeBySchema = new WeakMap<object, string | false>();

/**
 * Why a schema declares a pattern Warden does not run (`pattern` values and `patternProperties`
 * keys at any depth, see `pattern-cost.ts`), or `undefined`. Remembered per schema object.
 */
export function findUnsafePattern(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const known = unsafeBySchema.get(schema);
  if (known !== undefined) return known === false ? undefined : known;
  const found = scanForUnsafePattern(schema);
  unsafeBySchema.set(schema, found ?? false);
  return found;
}

function scanForUnsafePattern(schema: object): string | undefined {
  const unsafe = (pattern: string): string | undefined => {
    try {
      assessPattern(pattern);
      return undefined;
    } catch (error) {
      const reason = error instanceof UnsafePatternError ? error.message : 'it cannot be read';
      return `its input schema declares the pattern ${JSON.stringify(pattern.slice(0, 64))}, which Warden does not run: ${reason}`;
    }
  };
  const pending: unknown[] = [schema];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Array.isArray(item)) {
      for (const child of item) pending.push(child);
      continue;
    }
    for (const [key, value] of Object.entries(item)) {
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string') {
        const reason = unsafe(value);
        if (reason !== undefined) return reason;
        continue;
      }
      if (key === 'patternProperties' && typeof value === 'object' && value !== null && !Array.isArray(value))
        for (const pattern of Object.keys(value)) {
          const reason = unsafe(pattern);
          if (reason !== undefined) return reason;
        }
      pending.push(value);
    }
  }
  return undefined;
}

/** Ajv's `code.regExp` option (its `RegExpEngine` type is not exported from the package's entry). */
type RegExpEngineLike = ((pattern: string, flags: string) => { test(text: string): boolean }) & { code: string };

/** What the pattern tests of the validation under way may still spend. */
interface PatternBudget {
  left: number;
  exceeded: boolean;
}

/**
 * Ajv's regular expressions, guarded: a pattern refused by `pattern-cost.ts` cannot be compiled
 * (the schema fails), and each test first takes its estimated cost from the budget of the
 * validation under way; a string past what is left fails the pattern without being tested.
 */
function guardedRegExp(budget: PatternBudget): RegExpEngineLike {
  const engine = (pattern: string, flags: string) => {
    const native = new RegExp(pattern, flags);
    const assessment = assessPattern(pattern);
    return {
      test(text: string): boolean {
        const cost = assessment.cost(text.length);
        if (!(cost <= budget.left)) {
          budget.exceeded = true;
          return false;
        }
        budget.left -= cost;
        return native.test(text);
      },
      // Ajv shares one compiled pattern per distinct `toString()`.
      toString: () => native.toString(),
    };
  };
  return Object.assign(engine, { code: 'wardenGuardedRegExp' });
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

function createCompilers(budget: PatternBudget): Compilers {
  const options = {
    strict: false,
    allErrors: false,
    validateFormats: false,
    code: { regExp: guardedRegExp(budget) },
  } as const;
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
  const budget: PatternBudget = { left: PATTERN_STEP_BUDGET, exceeded: false };
  let compilers = createCompilers(budget);
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
      compilers = createCompilers(budget);
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
      } catch (error) {
        if (error instanceof UnsafePatternError)
          return `the tool's input schema declares a pattern Warden does not run: ${error.message}`;
        return 'the tool declared an input schema that cannot be compiled';
      }
      budget.left = PATTERN_STEP_BUDGET;
      budget.exceeded = false;
      if (validate(args)) return undefined;
      if (budget.exceeded)
        return `arguments hold a string too long to be tested against the schema's pattern within Warden's bound of ${PATTERN_STEP_BUDGET} backtracking steps per call`;
      const first = validate.errors?.[0];
      return first
        ? `arguments${first.instancePath.replaceAll('/', '.')} ${first.message ?? 'are invalid'}`
        : 'arguments are invalid';
    },
  };
}
