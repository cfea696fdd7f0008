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
