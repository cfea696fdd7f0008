import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createInputSchemaChecker } from './input-schema.js';

describe('createInputSchemaChecker().check(schema, args): schemas in the draft-07 dialect', () => {
  const draft07 = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { force: { type: 'boolean' }, confirm: { type: 'string' }, pair: {} },
    dependencies: { force: ['confirm'] },
  };

  it('a draft-07 `dependencies` constraint is enforced', () => {
    const checker = createInputSchemaChecker();
    expect(checker.check(draft07, { force: true })).toBeDefined();
    expect(checker.check(draft07, { force: true, confirm: 'yes' })).toBeUndefined();
  });

  it('a draft-07 tuple (`items: [...]`, `additionalItems: false`) is compiled and enforced, not refused as uncompilable', () => {
    const tuple = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false } },
    };
    const checker = createInputSchemaChecker();
    expect(checker.check(tuple, { pair: ['a', 1] })).toBeUndefined();
    expect(checker.check(tuple, { pair: ['a', 1, 'extra'] })).toBeDefined();
  });

  it('a schema without $schema is read as 2020-12', () => {
    const checker = createInputSchemaChecker();
    const schema = { type: 'object', dependentRequired: { force: ['confirm'] } };
    expect(checker.check(schema, { force: true })).toBeDefined();
  });
});

/** The engine's full collection, callable from a test (the flag may be set at run time). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('createInputSchemaChecker({ maxCached }): a hostile upstream that keeps changing its tool schemas', () => {
  it('keeps at most maxCached compiled schemas reachable, however many it was given', async () => {
    const gc = exposeGc();
    const checker = createInputSchemaChecker({ maxCached: 8 });
    const kept: Array<WeakRef<object>> = [];
    for (let index = 0; index < 200; index += 1) {
      // Ajv holds the schema's nested objects (its own copy shares them): they are what leaks.
      const properties = { [`field${index}`]: { type: 'string' } };
      kept.push(new WeakRef(properties));
      expect(checker.check({ type: 'object', properties, required: [`field${index}`] }, {})).toBeDefined();
    }
    // Let the WeakRefs go (a WeakRef holds its target until the current job ends), then collect.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(kept.filter((reference) => reference.deref() !== undefined).length).toBeLessThanOrEqual(8);
  });

  it('gives the same decision for a schema compiled again after the cache started anew', () => {
    const checker = createInputSchemaChecker({ maxCached: 2 });
    const schema = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
    const decisions = () => [checker.check(schema, { path: 'a' }), checker.check(schema, { path: 1 })];
    const first = decisions();
    for (let index = 0; index < 10; index += 1) checker.check({ type: 'object', minProperties: index }, {});
    expect(decisions()).toEqual(first);
    expect(first[0]).toBeUndefined();
    expect(first[1]).toBeDefined();
  });

  it("one tool's nested $id is never what another tool's $ref resolves to", () => {
    const checker = createInputSchemaChecker();
    const permissive = { type: 'object', properties: { any: { $id: 'https://tools.example/any', type: 'string' } } };
    expect(checker.check(permissive, { any: 'x' })).toBeUndefined();
    // Alone, this schema's reference resolves nowhere: it cannot be compiled, whatever came before.
    const borrowing = { type: 'object', properties: { path: { $ref: 'https://tools.example/any' } } };
    expect(checker.check(borrowing, { path: 'x' })).toBe('the tool declared an input schema that cannot be compiled');
    expect(createInputSchemaChecker().check(borrowing, { path: 'x' })).toBe(
      'the tool declared an input schema that cannot be compiled',
    );
  });
});

describe('createInputSchemaChecker().check(schema, args): schema patterns on the backtracking engine (attacker: the upstream)', () => {
  const withPattern = (pattern: string) => ({
    type: 'object',
    properties: { name: { type: 'string', pattern } },
  });

  it.each(['^(a+)+$', '(a|aa)+$', '(\\w+\\s?)*$', '(.*a){20}', '(a*)\\1$'])(
    "%s against 'a'.repeat(40) + '!' fails at once instead of holding the event loop",
    (pattern) => {
      const checker = createInputSchemaChecker();
      const started = performance.now();
      expect(checker.check(withPattern(pattern), { name: `${'a'.repeat(40)}!` })).toMatch(
        /pattern Warden does not run/,
      );
      expect(performance.now() - started).toBeLessThan(1000);
    },
  );

  it('an evil pattern as a patternProperties key, or nested in $defs, fails too', () => {
    const checker = createInputSchemaChecker();
    const keyed = { type: 'object', patternProperties: { '^(a+)+$': { type: 'string' } } };
    expect(checker.check(keyed, { [`${'a'.repeat(40)}!`]: 'x' })).toMatch(/pattern Warden does not run/);
    const nested = {
      type: 'object',
      $defs: { name: { type: 'string', pattern: '^(a|a)*$' } },
      properties: { name: { $ref: '#/$defs/name' } },
    };
    expect(checker.check(nested, { name: 'aaaa!' })).toMatch(/pattern Warden does not run/);
  });

  it('benign patterns still decide as before', () => {
    const checker = createInputSchemaChecker();
    const slug = withPattern('^[a-z0-9-]+$');
    expect(checker.check(slug, { name: 'my-repo-2' })).toBeUndefined();
    expect(checker.check(slug, { name: 'My Repo' })).toMatch(/must match pattern/);
    const date = withPattern('^\\d{4}-\\d{2}-\\d{2}$');
    expect(checker.check(date, { name: '2026-12-07' })).toBeUndefined();
    expect(checker.check(date, { name: '2026-12-7' })).toMatch(/must match pattern/);
    expect(checker.check(slug, { name: 'a'.repeat(1_000_000) })).toBeUndefined();
  });

  it('a string too long for a pattern whose quantifiers backtrack over each other is refused without being tested; so are many strings that together exceed the budget', () => {
    const checker = createInputSchemaChecker();
    const started = performance.now();
    expect(checker.check(withPattern('.*.*=$'), { name: 'a'.repeat(5000) })).toMatch(/too long to be tested/);
    const many = {
      type: 'object',
      properties: { names: { type: 'array', items: { type: 'string', pattern: '.*.*=$' } } },
    };
    expect(checker.check(many, { names: Array.from({ length: 10_000 }, () => `${'a'.repeat(148)}=`) })).toMatch(
      /too long to be tested/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    // The budget is per call: the next one starts afresh.
    expect(checker.check(withPattern('.*.*=$'), { name: 'a=' })).toBeUndefined();
  });
});
