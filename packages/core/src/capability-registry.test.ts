import { describe, expect, it } from 'vitest';
import { createCapabilityRegistry } from './capability-registry.js';
import { ConflictError, InvalidInputError } from './errors.js';

describe('createCapabilityRegistry()', () => {
  it('holds the core capabilities and tool mappings', () => {
    const registry = createCapabilityRegistry();
    expect(registry.has('inject.exec')).toBe(true);
    expect(registry.ownerOf('inject')).toBe('core');
    expect(registry.toolCapability('Bash')).toBe('inject.exec');
    expect(registry.toolCapability('NoSuchTool')).toBeUndefined();
  });
});

describe('registry.register(owner, registration)', () => {
  it('adds plugin names and tool mappings and bumps the version', () => {
    const registry = createCapabilityRegistry();
    const before = registry.version;
    registry.register('memory-plugin', { capabilities: ['memory.read'], tools: { memory_search: 'memory.read' } });
    expect(registry.has('memory.read')).toBe(true);
    expect(registry.toolCapability('memory_search')).toBe('memory.read');
    expect(registry.version).toBeGreaterThan(before);
  });

  it('throws ConflictError when a plugin redefines a core name or enters a core namespace', () => {
    const registry = createCapabilityRegistry();
    expect(() => registry.register('evil', { capabilities: ['inject.exec'] })).toThrow(ConflictError);
    expect(() => registry.register('evil', { capabilities: ['inject.shell'] })).toThrow(ConflictError);
    expect(() => registry.register('evil', { tools: { Bash: 'inject' } })).toThrow(ConflictError);
  });

  it("throws ConflictError when a plugin redefines another plugin's name or tool", () => {
    const registry = createCapabilityRegistry();
    registry.register('memory-plugin', { capabilities: ['memory.read'], tools: { memory_search: 'memory.read' } });
    expect(() => registry.register('other', { capabilities: ['memory.write'] })).toThrow(ConflictError);
    expect(() => registry.register('other', { tools: { memory_search: 'inject' } })).toThrow(ConflictError);
    expect(registry.ownerOf('memory.read')).toBe('memory-plugin');
  });

  it('changes nothing when any part of a registration is refused', () => {
    const registry = createCapabilityRegistry();
    expect(() => registry.register('p', { capabilities: ['fresh.name', 'inject.exec'] })).toThrow(ConflictError);
    expect(registry.has('fresh.name')).toBe(false);
    expect(() => registry.register('p', { capabilities: ['fresh.name'], tools: { t: 'nope.missing' } })).toThrow(
      InvalidInputError,
    );
    expect(registry.has('fresh.name')).toBe(false);
  });

  it('rejects wildcards, malformed names and the reserved owner "core"', () => {
    const registry = createCapabilityRegistry();
    expect(() => registry.register('p', { capabilities: ['p.*'] })).toThrow(InvalidInputError);
    expect(() => registry.register('p', { capabilities: ['bad name'] })).toThrow(InvalidInputError);
    expect(() => registry.register('core', { capabilities: ['x'] })).toThrow(InvalidInputError);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'memory.read'],
    ['capabilities as a string', { capabilities: 'memory.read' }],
    ['tools as a list', { tools: [['memory_search', 'inject']] }],
    ['tools as null', { tools: null }],
  ])('a plugin registering %s gets INVALID_INPUT and changes nothing', (_label, registration) => {
    const registry = createCapabilityRegistry();
    const version = registry.version;
    expect(() => registry.register('p', registration as never)).toThrow(InvalidInputError);
    expect(registry.version).toBe(version);
    expect(registry.list()).toEqual(createCapabilityRegistry().list());
  });
});

describe('registry.unregister(owner)', () => {
  it("removes only that owner's entries and refuses core", () => {
    const registry = createCapabilityRegistry();
    registry.register('memory-plugin', { capabilities: ['memory.read'], tools: { memory_search: 'memory.read' } });
    registry.unregister('memory-plugin');
    expect(registry.has('memory.read')).toBe(false);
    expect(registry.toolCapability('memory_search')).toBeUndefined();
    registry.register('other', { capabilities: ['memory.write'] });
    expect(registry.ownerOf('memory.write')).toBe('other');
    expect(() => registry.unregister('core')).toThrow(ConflictError);
  });
});
