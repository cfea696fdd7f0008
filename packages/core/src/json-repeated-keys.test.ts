import { describe, expect, it } from 'vitest';
import { findRepeatedJsonKey, refuseRepeatedJsonKeys } from './json-repeated-keys.js';

describe('findRepeatedJsonKey(text)', () => {
  it('finds a key repeated at the top, in a nested object and in an object inside an array', () => {
    expect(findRepeatedJsonKey('{"enforcement": "enforce", "rules": [], "enforcement": "warn"}')).toBe('/enforcement');
    expect(findRepeatedJsonKey('{"a": {"b": 1, "c": {"d": 1, "d": 2}}}')).toBe('/a/c/d');
    expect(findRepeatedJsonKey('{"rules": [{"id": 1}, {"id": 2, "allow": true, "allow": false}]}')).toBe(
      '/rules/1/allow',
    );
  });

  it('compares keys as decoded strings, and escapes the pointer', () => {
    expect(findRepeatedJsonKey('{"allow": true, "\\u0061llow": false}')).toBe('/allow');
    expect(findRepeatedJsonKey('{"a/b": {"x~y": 1, "x~y": 2}}')).toBe('/a~1b/x~0y');
  });

  it('accepts the same key in different objects, keys that equal values, and strings holding JSON', () => {
    expect(findRepeatedJsonKey('{"a": {"id": 1}, "b": {"id": 1}, "c": [{"id": 1}, {"id": 2}]}')).toBeUndefined();
    expect(findRepeatedJsonKey('{"a": "a", "b": "a", "c": ["c", "c"]}')).toBeUndefined();
    expect(
      findRepeatedJsonKey('{"text": "{\\"a\\": 1, \\"a\\": 2}", "q": "\\\\", "a": [{}, "a", {}]}'),
    ).toBeUndefined();
    expect(findRepeatedJsonKey('[1, {"a": []}, {"a": {}}]')).toBeUndefined();
    expect(findRepeatedJsonKey('"just a string"')).toBeUndefined();
  });
});

describe('refuseRepeatedJsonKeys(text, what)', () => {
  it('throws INVALID_INPUT naming the document and the key, and accepts a text without repeats', () => {
    expect(() => refuseRepeatedJsonKeys('{"a": 1, "a": 2}', 'policy.json')).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^policy\.json repeats the key at \/a:/),
        issues: [{ path: '/a', message: 'repeated key' }],
      }),
    );
    expect(() => refuseRepeatedJsonKeys('{"a": 1, "b": {"a": 2}}', 'policy.json')).not.toThrow();
  });
});
