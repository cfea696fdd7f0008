import { describe, expect, it } from 'vitest';
import { CAPABILITY_PROFILES } from './capabilities.js';
import { compileCapabilitySet, expandCapabilities, hasCapability } from './capability-check.js';
import { createCapabilityRegistry } from './capability-registry.js';

describe('hasCapability(capabilities, required)', () => {
  it('matches the seed examples', () => {
    expect(hasCapability(['inject', 'inject.tools'], 'inject.tools')).toBe(true);
    expect(hasCapability(['inject', 'inject.tools'], 'inject.exec')).toBe(false);
    expect(hasCapability(['*'], 'anything')).toBe(true);
  });

  it('does not let a bare parent grant its children (WOPR parent capability over-grant)', () => {
    expect(hasCapability(['inject'], 'inject.exec')).toBe(false);
    expect(hasCapability(['inject'], 'inject.tools')).toBe(false);
    expect(hasCapability(['inject'], 'inject')).toBe(true);
  });

  it('lets "a.*" grant a and its registered descendants only', () => {
    const registry = createCapabilityRegistry();
    registry.register('memory-plugin', { capabilities: ['memory', 'memory.read', 'memory.read.deep'] });
    expect(hasCapability(['memory.*'], 'memory', registry)).toBe(true);
    expect(hasCapability(['memory.*'], 'memory.read.deep', registry)).toBe(true);
    expect(hasCapability(['memory.*'], 'memory.unregistered', registry)).toBe(false);
    expect(hasCapability(['memory.*'], 'memoryx', registry)).toBe(false);
  });

  it('needs every covered name for a required wildcard', () => {
    expect(hasCapability(['inject', 'inject.tools'], 'inject.*')).toBe(false);
    expect(hasCapability(['inject.*'], 'inject.*')).toBe(true);
    expect(hasCapability(['inject.*'], '*')).toBe(false);
  });
});

describe('hasCapability and expandCapabilities given a list that is not one', () => {
  it.each<[string, unknown]>([
    ['the string "inject.*" (it contains a "*")', 'inject.*'],
    ['the string "*"', '*'],
    ['null', null],
    ['a list holding a non-string', ['inject', 5]],
    ['an object that answers includes("*")', { includes: () => true, [Symbol.iterator]: [][Symbol.iterator] }],
  ])('hasCapability(%s, "config.write") is INVALID_INPUT, never a grant of everything', (_label, granted) => {
    // A malformed grant read from JSON ("capabilities": "inject.*") was read as a "*" grant.
    expect(() => hasCapability(granted as never, 'config.write')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'capabilities' })] }),
    );
    expect(() => expandCapabilities(granted as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it.each([5, null, undefined, ''])('hasCapability(["*"], %j) is INVALID_INPUT: it names no capability', (required) => {
    expect(() => hasCapability(['*'], required as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: 'required' })] }),
    );
  });
});

describe('expandCapabilities(capabilities)', () => {
  it('expands "inject.*" as in the seed', () => {
    expect(expandCapabilities(['inject.*'])).toEqual(['inject', 'inject.tools', 'inject.network', 'inject.exec']);
  });

  it('expands "*" to every registered name and keeps bare names without duplicates', () => {
    expect(expandCapabilities(['*'])).toContain('config.write');
    expect(expandCapabilities(['inject', 'inject', 'custom.thing'])).toEqual(['inject', 'custom.thing']);
  });

  it('includes a plugin name once it is registered', () => {
    const registry = createCapabilityRegistry();
    expect(expandCapabilities(['*'], registry)).not.toContain('memory.read');
    registry.register('memory-plugin', { capabilities: ['memory.read'] });
    expect(expandCapabilities(['*'], registry)).toContain('memory.read');
  });
});

describe('compileCapabilitySet(granted, denied, registry)', () => {
  const registry = createCapabilityRegistry();

  it('lets a deny entry win over a grant, including "*"', () => {
    const set = compileCapabilitySet(['*'], ['inject.exec'], registry);
    expect(set.allows('inject.exec')).toBe(false);
    expect(set.allows('inject.tools')).toBe(true);
    expect(set.allows('*')).toBe(false);
  });

  it('lets "a.*" in a deny list cover unregistered descendants too', () => {
    const set = compileCapabilitySet(['*'], ['inject.*'], registry);
    expect(set.allows('inject')).toBe(false);
    expect(set.allows('inject.not-registered')).toBe(false);
    expect(set.allows('session.spawn')).toBe(true);
  });

  it('denies everything for a "*" deny', () => {
    const set = compileCapabilitySet(CAPABILITY_PROFILES.owner, ['*'], registry);
    expect(set.allows('inject')).toBe(false);
  });
});
