import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parseInput } from '../validation.js';
import { DEFAULT_SECURITY_CONFIG, securityConfigSchema } from './config-schema.js';

const parse = (value: unknown) => parseInput(securityConfigSchema, value, 'security config');

describe('securityConfigSchema', () => {
  it('fills in the defaults for an empty document', () => {
    expect(parse({})).toEqual({
      version: 1,
      enforcement: 'enforce',
      minTrustLevel: 'untrusted',
      defaultAccess: ['trust:trusted'],
      unmappedTools: 'deny',
      toolCapabilities: {},
      defaults: {},
      trustLevels: {},
      sessions: {},
    });
    expect(Object.isFrozen(DEFAULT_SECURITY_CONFIG.defaultAccess)).toBe(true);
  });

  it('accepts gateway sessions with forward rules and defaults requireApproval to false', () => {
    const config = parse({
      sessions: {
        'p2p-gateway': {
          access: ['trust:untrusted'],
          capabilities: ['inject', 'cross.inject'],
          gateway: { allowForwardTo: ['code-*'], allowActions: ['query'], rateLimit: { perMinute: 10 } },
        },
      },
    });
    expect(config.sessions['p2p-gateway']?.gateway).toEqual({
      allowForwardTo: ['code-*'],
      allowActions: ['query'],
      requireApproval: false,
      rateLimit: { perMinute: 10 },
    });
  });

  it('rejects an unknown version, trust level, source type or access pattern kind, naming the field', () => {
    const cases: [unknown, string][] = [
      [{ version: 2 }, 'version'],
      [{ trustLevels: { root: {} } }, 'trustLevels'],
      [{ defaultAccess: ['trust:root'] }, 'defaultAccess.0'],
      [{ defaultAccess: ['type:email'] }, 'defaultAccess.0'],
      [{ sessions: { s: { access: ['ip:1.2.3.4'] } } }, 'sessions.s.access.0'],
      [{ enforcement: 'maybe' }, 'enforcement'],
    ];
    for (const [value, path] of cases) {
      try {
        parse(value);
        expect.unreachable(`accepted ${JSON.stringify(value)}`);
      } catch (error) {
        expect(InvalidInputError.isInstance(error)).toBe(true);
        expect((error as InvalidInputError).issues.map((issue) => issue.path)).toContain(path);
      }
    }
  });

  it('keeps a "__proto__" session key out of the config without touching prototypes', () => {
    const config = parse(
      JSON.parse('{"sessions":{"__proto__":{"access":["*"]}},"toolCapabilities":{"__proto__":"inject"}}'),
    );
    expect(Object.keys(config.sessions)).toEqual([]);
    // Parsed objects have no prototype at all (see config-pollution.test.ts).
    expect(Object.getPrototypeOf(config.sessions)).toBe(null);
    expect(({} as Record<string, unknown>).access).toBeUndefined();
    expect(() => parse({ sessions: { constructor: {} } })).toThrow(InvalidInputError);
  });

  it('rejects unknown keys, malformed capabilities and bad sandbox limits', () => {
    expect(() => parse({ enforcment: 'off' })).toThrow(InvalidInputError);
    expect(() => parse({ defaults: { capabilities: ['bad name'] } })).toThrow(InvalidInputError);
    expect(() => parse({ defaults: { sandbox: { maxMemoryMb: -1 } } })).toThrow(InvalidInputError);
    expect(() => parse({ defaults: { sandbox: { writablePaths: ['/tmp/../etc'] } } })).toThrow(InvalidInputError);
  });
});
