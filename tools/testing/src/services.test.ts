import { describe, expect, it } from 'vitest';
import { isCi } from './services.js';

describe('isCi(env)', () => {
  it('is true only for CI=true or CI=1', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
