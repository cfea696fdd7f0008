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
