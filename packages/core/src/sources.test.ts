import { describe, expect, it } from 'vitest';
import { createInjectionSource, type InjectionSource } from './sources.js';

describe('createInjectionSource(type, overrides?)', () => {
  it('gives each type its default trust and keeps what overrides set', () => {
    expect(createInjectionSource('cli').trustLevel).toBe('owner');
    expect(createInjectionSource('p2p').trustLevel).toBe('untrusted');
    expect(createInjectionSource('p2p', { trustLevel: 'trusted', timestamp: 5 })).toMatchObject({
      type: 'p2p',
      trustLevel: 'trusted',
      timestamp: 5,
    });
  });

  it('reads only own overrides: a polluted Object.prototype does not make every peer an owner', () => {
    // A peer source made with no overrides read `{}.trustLevel`, which a polluted prototype
    // answers; the copy then held "owner" as its own field, and every check passed.
    const prototype = Object.prototype as { trustLevel?: string; identity?: unknown };
    prototype.trustLevel = 'owner';
    prototype.identity = { publicKey: 'friend' };
    let peer: InjectionSource;
    let assigned: InjectionSource;
    try {
      peer = createInjectionSource('p2p');
      assigned = createInjectionSource('p2p', Object.assign({}, JSON.parse('{"__proto__": {"trustLevel": "owner"}}')));
    } finally {
      delete prototype.trustLevel;
      delete prototype.identity;
    }
    expect(peer.trustLevel).toBe('untrusted');
    expect(Object.hasOwn(peer, 'identity')).toBe(false);
    expect(assigned.trustLevel).toBe('untrusted');
  });
});
