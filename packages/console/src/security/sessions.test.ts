import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, operatorForToken, SessionStore } from './sessions.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('sessions', () => {
  it('operatorForToken finds the operator by digest and nobody for a wrong or empty token', () => {
    const operators = [
      { name: 'alice', tokenSha256: sha256('a-token') },
      { name: 'bob', tokenSha256: sha256('b-token') },
    ];
    expect(operatorForToken(operators, 'b-token')).toBe('bob');
    expect(operatorForToken(operators, 'a-token ')).toBeUndefined();
    expect(operatorForToken(operators, '')).toBeUndefined();
  });

  it('constantTimeEqual compares exactly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('a session expires after its time to live (a stolen cookie stops working)', () => {
    let now = 1_000;
    const store = new SessionStore(60_000, () => now);
    const { id, session } = store.create('alice');
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(id)?.operator).toBe('alice');
    now += 60_000;
    expect(store.get(id)).toBeUndefined();
  });
});
