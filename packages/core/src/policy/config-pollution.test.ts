import { afterEach, describe, expect, it } from 'vitest';
import { createSecurityEngine } from '../security-engine.js';
import { createInjectionSource } from '../sources.js';
import { parseInput } from '../validation.js';
import { DEFAULT_SECURITY_CONFIG, type SecurityConfigInput, securityConfigSchema } from './config-schema.js';

// The attacker: some other library in the process (a deep merge fed a "__proto__" key, say) has
// set a field on Object.prototype. A configuration that never set that field must parse, resolve
// and decide exactly as it does without the pollution.

const prototype = Object.prototype as Record<string, unknown>;
const polluted: string[] = [];

/** Sets `Object.prototype[field]`, enumerable (as an assignment makes it) or not. */
function pollute(field: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(prototype, field, { value, enumerable, configurable: true, writable: true });
  polluted.push(field);
}

afterEach(() => {
  for (const field of polluted.splice(0)) delete prototype[field];
});

/** Each field a layer, the document or a resolved policy reads, with what would loosen or change a decision. */
const ATTACKS: readonly (readonly [string, unknown])[] = [
  ['capabilities', ['*']],
  ['enforcement', 'off'],
  ['unmappedTools', 'allow'],
  ['denyCapabilities', ['inject.*']],
  ['tools', { allow: ['*'] }],
  ['allow', ['Read']],
  ['deny', ['*']],
  ['access', ['*']],
  ['gateway', { allowForwardTo: ['*'], requireApproval: false }],
  ['sandbox', { enabled: false }],
  ['enabled', false],
  ['networkPolicy', 'full'],
  ['writablePaths', ['/']],
  ['allowedPaths', ['/']],
  ['rateLimit', { perMinute: 1_000_000 }],
  ['perMinute', 1_000_000],
  ['description', 'polluted'],
  ['requireApproval', false],
  // What createSecurityEngine reads: an engine made without a config must not run this one.
  ['config', { enforcement: 'off', defaults: { capabilities: ['*'] }, defaultAccess: ['*'] }],
  ['cacheSize', 'not a number'],
];

const DOCUMENT: SecurityConfigInput = {
  minTrustLevel: 'semi-trusted',
  defaultAccess: ['trust:semi-trusted'],
  defaults: { sandbox: { maxPids: 20 } },
  trustLevels: { 'semi-trusted': { capabilities: ['inject', 'inject.tools'] } },
  sessions: {
    main: { tools: { deny: ['Bash'] }, rateLimit: { perHour: 10 } },
    gate: { access: ['type:gateway'], gateway: { allowForwardTo: ['main'] } },
  },
};

const parse = (document: unknown) => parseInput(securityConfigSchema, document, 'security config');

/** Every field `field` of every object in `value`, read as code reads it (through any prototype). */
function readEverywhere(value: unknown, field: string, path = '', found: Record<string, unknown> = {}) {
  if (typeof value !== 'object' || value === null) return found;
  // Arrays are read by index only; a named field on one is not something a reader asks for.
  if (!Array.isArray(value)) found[`${path}.${field}`] = (value as Record<string, unknown>)[field];
  for (const key of Object.keys(value))
    readEverywhere((value as Record<string, unknown>)[key], field, `${path}.${key}`, found);
  return found;
}

/** The decisions an engine built from `document` takes for a semi-trusted plugin. */
function decisions(document: SecurityConfigInput | undefined) {
  const engine = createSecurityEngine(document === undefined ? {} : { config: document });
  const source = createInjectionSource('plugin', { trustLevel: 'semi-trusted', identity: { pluginName: 'p' } });
  const policy = engine.resolvePolicy(source, 'main');
  return {
    session: engine.checkSessionAccess(source, 'main').allowed,
    other: engine.checkSessionAccess(source, 'gate').allowed,
    exec: engine.checkCapability(source, 'main', 'inject.exec').allowed,
    tools: engine.checkCapability(source, 'main', 'inject.tools').allowed,
    bash: engine.checkToolAccess(source, 'main', 'Bash').allowed,
    read: engine.checkToolAccess(source, 'main', 'Read').allowed,
    unmapped: engine.checkToolAccess(source, 'main', 'some-unmapped-tool').allowed,
    filtered: engine.filterToolsByPolicy(['Bash', 'Read', 'some-unmapped-tool'], source, 'main'),
    gateways: engine.listGateways(),
    isGateway: engine.isGateway('main'),
    sandbox: {
      ...policy.sandbox,
      networkPolicy: policy.sandbox.networkPolicy,
      writablePaths: policy.sandbox.writablePaths,
    },
    toolsAllow: policy.tools.allow,
    forwardRules: engine.getGatewayRules('main'),
    rateLimit: { ...policy.rateLimit },
    enforcement: engine.getConfig().enforcement,
  };
}

describe('security configuration against a polluted Object.prototype', () => {
  for (const enumerable of [true, false]) {
    const kind = enumerable ? 'an enumerable' : 'a non-enumerable';

    it(`securityConfigSchema ignores ${kind} Object.prototype field a layer never set`, () => {
      for (const [field, value] of ATTACKS) {
        const clean = readEverywhere(parse(DOCUMENT), field);
        const cleanDefault = readEverywhere(parse({}), field);
        pollute(field, value, enumerable);
        try {
          expect(readEverywhere(parse(DOCUMENT), field), field).toEqual(clean);
          expect(readEverywhere(parse({}), field), field).toEqual(cleanDefault);
          expect(readEverywhere(DEFAULT_SECURITY_CONFIG, field), field).toEqual(cleanDefault);
        } finally {
          delete prototype[field];
        }
      }
    });

    it(`an engine's decisions do not change with ${kind} Object.prototype field set`, () => {
      for (const document of [DOCUMENT, undefined]) {
        const clean = decisions(document);
        for (const [field, value] of ATTACKS) {
          pollute(field, value, enumerable);
          try {
            expect(decisions(document), field).toEqual(clean);
          } finally {
            delete prototype[field];
          }
        }
      }
    });
  }

  it('refuses a document nested deeper than anything it accepts with INVALID_INPUT, not a stack overflow', () => {
    let deep: unknown = {};
    for (let depth = 0; depth < 100_000; depth++) deep = { defaults: deep };
    expect(() => parse(deep)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('parses a document with shared and cyclic references without looping', () => {
    const deny = ['Bash'];
    const cyclic: Record<string, unknown> = { tools: { deny } };
    cyclic.self = cyclic;
    expect(() => parse({ sessions: { main: cyclic } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const shared = { tools: { deny } };
    expect(parse({ sessions: { a: shared, b: shared } }).sessions.b?.tools?.deny).toEqual(['Bash']);
  });
});
