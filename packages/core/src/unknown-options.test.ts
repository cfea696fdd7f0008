import { afterEach, describe, expect, it } from 'vitest';
import { createJsonFileConfigStore } from './config-file-store.js';
import { initSecurity } from './default-engine.js';
import { InvalidInputError } from './errors.js';
import { createSecurityEventEmitter, type SecurityEvent } from './events.js';
import { createSecurityEngine } from './security-engine.js';

function refusedAt(make: () => unknown): string | undefined {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).issues?.[0]?.path;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('a misspelt option is INVALID_INPUT naming it, never a default taken silently', () => {
  it('createSecurityEngine({ auditAlowed }) and options that are not an object', () => {
    expect(refusedAt(() => createSecurityEngine({ auditAlowed: true } as never))).toBe('auditAlowed');
    expect(refusedAt(() => createSecurityEngine({ confg: { enforcement: 'enforce' } } as never))).toBe('confg');
    expect(refusedAt(() => createSecurityEngine('enforce' as never))).toBe('');
  });

  it('createSecurityEventEmitter({ onEror }) and ({ auditsink })', () => {
    expect(refusedAt(() => createSecurityEventEmitter({ onEror: () => {} } as never))).toBe('onEror');
    expect(refusedAt(() => createSecurityEventEmitter({ auditsink: { write() {} } } as never))).toBe('auditsink');
  });

  it('createJsonFileConfigStore({ path, mod }) and a mode that is not a permission set', () => {
    const path = '/tmp/warden-unknown-options/config.json';
    expect(refusedAt(() => createJsonFileConfigStore({ path, mod: 0o600 } as never))).toBe('mod');
    for (const mode of [Number.NaN, '600', 0o1777, -1, 1.5]) {
      expect(refusedAt(() => createJsonFileConfigStore({ path, mode } as never))).toBe('mode');
    }
  });

  it('initSecurity({ pth }) rejects before loading anything', async () => {
    await expect(initSecurity({ pth: '/etc/passwd' } as never)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [expect.objectContaining({ path: 'pth' })],
    });
  });

  it('every documented option is still accepted', () => {
    expect(() =>
      createSecurityEngine({
        config: {},
        now: Date.now,
        events: createSecurityEventEmitter(),
        auditAllowed: false,
        cacheSize: 8,
      }),
    ).not.toThrow();
    expect(() =>
      createSecurityEventEmitter({ now: Date.now, onError: () => {}, auditSink: { write() {} } }),
    ).not.toThrow();
    expect(() => createJsonFileConfigStore({ path: '/tmp/x.json', mode: 0o640 })).not.toThrow();
  });
});

describe('createSecurityEventEmitter() reads only the options it was given', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).auditSink;
  });

  it('an Object.prototype.auditSink set by another library receives no event', () => {
    const stolen: SecurityEvent[] = [];
    Object.defineProperty(Object.prototype, 'auditSink', {
      value: { write: (event: SecurityEvent) => stolen.push(event) },
      configurable: true,
      writable: true,
    });
    createSecurityEventEmitter().emit({ type: 'policy_violation', details: { tool: 'Bash' } });
    expect(stolen).toEqual([]);
  });
});
