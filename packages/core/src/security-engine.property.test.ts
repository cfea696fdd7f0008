import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORE_CAPABILITIES } from './capabilities.js';
import { CORE_TOOL_CAPABILITIES, createCapabilityRegistry } from './capability-registry.js';
import type { SecurityConfigInput, SecurityPolicy } from './policy/config-schema.js';
import { createSecurityEngine, type SecurityEngine } from './security-engine.js';
import { createInjectionSource, INJECTION_SOURCE_TYPES, type InjectionSource } from './sources.js';
import { TRUST_LEVELS } from './trust.js';

const registry = createCapabilityRegistry();
const capabilityNames = [...CORE_CAPABILITIES, 'custom.thing'];
const capabilityEntries = [...capabilityNames, 'inject.*', '*'];
const toolNames = [...Object.keys(CORE_TOOL_CAPABILITIES), 'custom_tool', 'mcp__github__search'];
const toolPatterns = [...toolNames, 'Web*', '*', 'Re?d', 'mcp__*'];
const sessions = ['main', 'lab'];

const layer: fc.Arbitrary<SecurityPolicy> = fc.record(
  {
    capabilities: fc.subarray(capabilityEntries),
    denyCapabilities: fc.subarray(capabilityEntries, { maxLength: 3 }),
    tools: fc.record(
      { allow: fc.subarray(toolPatterns), deny: fc.subarray(toolPatterns, { maxLength: 3 }) },
      {
        requiredKeys: [],
      },
    ),
  },
  { requiredKeys: [] },
);

const config: fc.Arbitrary<SecurityConfigInput> = fc.record({
  enforcement: fc.constantFrom('off' as const, 'warn' as const, 'enforce' as const),
  unmappedTools: fc.constantFrom('deny' as const, 'allow' as const),
  defaults: layer,
  trustLevels: fc.record({ untrusted: layer, trusted: layer }, { requiredKeys: [] }),
  sessions: fc.record({ lab: layer }, { requiredKeys: [] }),
});

const source: fc.Arbitrary<InjectionSource> = fc
  .record({ type: fc.constantFrom(...INJECTION_SOURCE_TYPES), trustLevel: fc.constantFrom(...TRUST_LEVELS) })
  .map(({ type, trustLevel }) => createInjectionSource(type, { trustLevel, timestamp: 0 }));

const engineFor = (input: SecurityConfigInput): SecurityEngine => createSecurityEngine({ config: input, registry });

/** Every decision the engine makes for a source in a session, as a set of allowed keys. */
function allowedDecisions(engine: SecurityEngine, who: InjectionSource, session: string): Set<string> {
  const allowed = new Set<string>();
  if (engine.checkSessionAccess(who, session).allowed) allowed.add('session');
  for (const capability of capabilityNames) {
    if (engine.checkCapability(who, session, capability).allowed) allowed.add(`capability:${capability}`);
  }
  for (const tool of toolNames) if (engine.checkToolAccess(who, session, tool).allowed) allowed.add(`tool:${tool}`);
  return allowed;
}

const isSubset = (small: Set<string>, large: Set<string>) => [...small].every((key) => large.has(key));

describe('policy invariants (property-based)', () => {
  it('adding a deny entry never allows more', () => {
    fc.assert(
      fc.property(
        config,
        source,
        fc.constantFrom(...sessions),
        fc.constantFrom('defaults', 'lab'),
        fc.oneof(
          fc.constantFrom(...capabilityEntries).map((entry) => ({ capability: entry })),
          fc.constantFrom(...toolPatterns).map((entry) => ({ tool: entry })),
        ),
        (input, who, session, where, extra) => {
          const before = allowedDecisions(engineFor(input), who, session);
          const target: SecurityPolicy = { ...(where === 'defaults' ? input.defaults : input.sessions?.lab) };
          if ('capability' in extra) target.denyCapabilities = [...(target.denyCapabilities ?? []), extra.capability];
          else target.tools = { ...target.tools, deny: [...(target.tools?.deny ?? []), extra.tool] };
          const stricter: SecurityConfigInput =
            where === 'defaults' ? { ...input, defaults: target } : { ...input, sessions: { lab: target } };
          expect(isSubset(allowedDecisions(engineFor(stricter), who, session), before)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a lower trust level is never allowed more than a higher one under the built-in profiles', () => {
    const engine = engineFor({});
    fc.assert(
      fc.property(
        fc.constantFrom(...INJECTION_SOURCE_TYPES),
        fc.constantFrom(...sessions),
        fc.constantFrom(...TRUST_LEVELS),
        fc.constantFrom(...TRUST_LEVELS),
        (type, session, first, second) => {
          const [higher, lower] =
            TRUST_LEVELS.indexOf(first) <= TRUST_LEVELS.indexOf(second) ? [first, second] : [second, first];
          const allowedHigher = allowedDecisions(engine, createInjectionSource(type, { trustLevel: higher }), session);
          const allowedLower = allowedDecisions(engine, createInjectionSource(type, { trustLevel: lower }), session);
          expect(isSubset(allowedLower, allowedHigher)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('filterToolsByPolicy(tools) equals the tools checkToolAccess allows', () => {
    fc.assert(
      fc.property(
        config,
        source,
        fc.constantFrom(...sessions),
        fc.array(fc.constantFrom(...toolNames)),
        (input, who, session, tools) => {
          const engine = engineFor(input);
          const expected = tools.filter((tool) => engine.checkToolAccess(who, session, tool).allowed);
          expect(engineFor(input).filterToolsByPolicy(tools, who, session)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
