import { describe, expect, it } from 'vitest';
import { encodeField } from './supervisor.js';

describe('encodeField(value)', () => {
  it('sends plain words as themselves behind a ".", the empty string as "-"', () => {
    expect(encodeField('echo')).toBe('.echo');
    expect(encodeField('/usr/bin/env')).toBe('./usr/bin/env');
    expect(encodeField('-')).toBe('.-');
    expect(encodeField('NAME=value')).toBe('.NAME=value');
    expect(encodeField('')).toBe('-');
  });

  it.each(['two words', '$(id)', '`id`', '*', 'a;b', "it's", 'line\n', 'é', 'x'.repeat(257)])(
    'base64-encodes %j, so no shell character ever reaches the script as a word',
    (value) => {
      const encoded = encodeField(value);
      expect(encoded).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(value);
    },
  );
});
