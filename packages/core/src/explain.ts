/**
 * Explanations: the decision a check makes, the layers that shaped it, the rule that decided
 * and what would change the answer. Pure: each explanation builds its own engine over the given
 * configuration and takes the decision from that engine's own check, so an explanation never
 * disagrees with `checkToolAccess` / `checkCapability`.
 *
 * @module
 */
import { CAPABILITY_PROFILES, type Capability } from './capabilities.js';
import type { CapabilityRegistry } from './capability-registry.js';
import type { PolicyCheckResult } from './policy/checks.js';
import type { EnforcementMode, SecurityConfig, SecurityConfigInput, SecurityPolicy } from './policy/config-schema.js';
import { compileGlobList } from './policy/glob.js';
import { compilePolicy, type ResolvedPolicy } from './policy/resolve.js';
import { createSecurityEngine } from './security-engine.js';
import { readSource } from './source-validation.js';
import type { InjectionSource } from './sources.js';
import { ownProperty } from './validation.js';

/** Where a part of the resolved policy came from, in the order layers are applied. */
export type ExplainLayerName = 'built-in' | 'defaults' | 'trustLevel' | 'session' | 'source-grants' | 'enforcement';

/** One layer and what it contributed (only the fields it sets). */
export interface ExplainLayer {
  /** Which layer. */
  layer: ExplainLayerName;
  /** The layer's configuration path (`trustLevels.trusted`, `sessions.code`), or a label. */
  path: string;
  /** What the layer sets, one human-readable line per field. */
  contributes: string[];
}

/** The rule that decided a tool or capability check. */
export type ExplainRule =
  | 'tool-deny'
  | 'tool-allow-list'
  | 'unmapped-tool-denied'
  | 'unmapped-tool-allowed'
  | 'capability-missing'
  | 'capability-denied'
  | 'capability-granted';

/** The answer to a check and why. */
export interface AccessExplanation {
  /** What the engine's check returned (the decision after enforcement). */
  result: PolicyCheckResult;
  /** The decision before enforcement (`enforce` would return this). */
  allowedByPolicy: boolean;
  /** The enforcement mode applied to the verdict. */
  enforcement: EnforcementMode;
  /** The rule that decided. */
  rule: ExplainRule;
  /** The glob (deny or allow list entry) that matched, when a glob decided. */
  pattern?: string;
  /** The capability the subject needs, when it has one. */
  capability?: Capability;
  /** One sentence: the rule that decided. */
  decidedBy: string;
  /** Every layer that contributed, in the order they were applied. */
  layers: ExplainLayer[];
  /** What would change the answer, one suggestion per line. */
  wouldChange: string[];
  /** Whether the source may reach the session at all (`checkSessionAccess`). */
  sessionAccess: PolicyCheckResult;
  /** The resolved policy the decision was made on. */
  policy: ResolvedPolicy;
}

/** Options for {@link explainToolAccess} and {@link explainCapability}. */
export interface ExplainConfig {
  /** Capabilities and tool mappings to resolve against. @default the shared default registry */
  registry?: CapabilityRegistry;
}

/**
 * Explains `checkToolAccess(source, session, tool)` under `config`: the decision (taken from a
 * fresh engine's own check), every layer that contributed, the rule that decided and what would
 * change the answer.
 *
 * @throws {@link InvalidInputError} when `config`, `source`, `session` or `tool` is invalid.
 * @example
 * const why = explainToolAccess({ defaults: { tools: { deny: ['Bash'] } } }, source, 'code', 'Bash');
 * why.rule; // 'tool-deny'
 */
export function explainToolAccess(
  config: SecurityConfigInput,
  source: InjectionSource,
  session: string,
  tool: string,
  options: ExplainConfig = {},
): AccessExplanation {
  const { engine, checked } = explainEngine(config, source, options);
  return explainToolOn(engine, checked, session, tool);
}

/** {@link explainToolAccess} on an engine already made and a source already checked. */
function explainToolOn(engine: Engine, source: InjectionSource, session: string, tool: string): AccessExplanation {
  const result = engine.checkToolAccess(source, session, tool);
  const parsed = engine.getConfig();
  const compiled = compilePolicy(parsed, engine.registry, source, session);
  const policy = compiled.policy;
  const base = baseExplanation(engine, source, session, result);
  const deny = policy.tools.deny.find((pattern) => compileGlobList([pattern]).matches(tool));
  if (deny !== undefined) {
    return {
      ...base,
      allowedByPolicy: false,
      rule: 'tool-deny',
      pattern: deny,
      decidedBy: `tool ${tool} matches the deny pattern ${JSON.stringify(deny)} (deny always wins)`,
      wouldChange: [
        `remove ${JSON.stringify(deny)} from every layer's tools.deny that lists it`,
        ...stillDeniedWithoutDeny(parsed, source, session, tool, engine.registry),
      ],
    };
  }
  if (policy.tools.allow && !compileGlobList(policy.tools.allow).matches(tool)) {
    return {
      ...base,
      allowedByPolicy: false,
      rule: 'tool-allow-list',
      decidedBy: `tool ${tool} matches none of the allow list [${policy.tools.allow.join(', ')}] of the most specific layer that sets tools.allow`,
      wouldChange: [`add ${JSON.stringify(tool)} (or a glob matching it) to that layer's tools.allow`],
    };
  }
  const capability = compiled.toolCapability(tool);
  if (capability === undefined) {
    const allowed = policy.tools.unmapped === 'allow';
    return {
      ...base,
      allowedByPolicy: allowed,
      rule: allowed ? 'unmapped-tool-allowed' : 'unmapped-tool-denied',
      decidedBy: `tool ${tool} has no capability mapping and unmappedTools is ${JSON.stringify(policy.tools.unmapped)}`,
      wouldChange: allowed
        ? [`map ${JSON.stringify(tool)} to a capability in toolCapabilities`, 'set unmappedTools to "deny"']
        : [`map ${JSON.stringify(tool)} to a capability in toolCapabilities`, 'set unmappedTools to "allow"'],
    };
  }
  return {
    ...base,
    ...capabilityPart(compiled.capabilities.allows(capability), capability, policy, `tool ${tool} needs`),
  };
}

/**
 * Explains `checkCapability(source, session, capability)` under `config`, like
 * {@link explainToolAccess}.
 *
 * @throws {@link InvalidInputError} when `config`, `source`, `session` or `capability` is invalid.
 */
export function explainCapability(
  config: SecurityConfigInput,
  source: InjectionSource,
  session: string,
  capability: Capability,
  options: ExplainConfig = {},
): AccessExplanation {
  const { engine, checked } = explainEngine(config, source, options);
  const result = engine.checkCapability(checked, session, capability);
  const compiled = compilePolicy(engine.getConfig(), engine.registry, checked, session);
  const base = baseExplanation(engine, checked, session, result);
  return {
    ...base,
    ...capabilityPart(compiled.capabilities.allows(capability), capability, compiled.policy, 'the check needs'),
  };
}

type Engine = ReturnType<typeof createSecurityEngine>;

/**
 * A fresh engine for `config` and the source read once into a validated own-data copy, which
 * every later step (the engine's check, the layers, the policy) reads instead of the caller's
 * object. The registry is read from `options`' own property only: one inherited from a polluted
 * `Object.prototype` would explain a decision under mappings the caller never chose.
 */
function explainEngine(
  config: SecurityConfigInput,
  source: InjectionSource,
  options: ExplainConfig,
): { engine: Engine; checked: InjectionSource } {
  const registry = ownProperty(options, 'registry') as CapabilityRegistry | undefined;
  const engine = createSecurityEngine(registry ? { config, registry } : { config });
  return { engine, checked: readSource(source) };
}

function baseExplanation(
  engine: Engine,
  source: InjectionSource,
  session: string,
  result: PolicyCheckResult,
): Pick<AccessExplanation, 'result' | 'enforcement' | 'layers' | 'sessionAccess' | 'policy'> {
  const config = engine.getConfig();
  return {
    result,
    enforcement: config.enforcement,
    layers: describeLayers(engine, source, session),
    sessionAccess: engine.checkSessionAccess(source, session),
    policy: engine.resolvePolicy(source, session),
  };
}

function capabilityPart(
  granted: boolean,
  capability: Capability,
  policy: ResolvedPolicy,
  subject: string,
): Pick<AccessExplanation, 'allowedByPolicy' | 'rule' | 'capability' | 'decidedBy' | 'wouldChange'> {
  if (granted) {
    return {
      allowedByPolicy: true,
      rule: 'capability-granted',
      capability,
      decidedBy: `${subject} capability ${capability}, which trust level '${policy.trustLevel}' holds here`,
      wouldChange: [
        `add ${JSON.stringify(capability)} to a layer's denyCapabilities`,
        'drop it from the most specific layer that sets capabilities',
      ],
    };
  }
  const deniedBy = policy.deniedCapabilities.find(
    (entry) =>
      entry === '*' || entry === capability || (entry.endsWith('.*') && isUnder(capability, entry.slice(0, -2))),
  );
  if (deniedBy !== undefined) {
    return {
      allowedByPolicy: false,
      rule: 'capability-denied',
      capability,
      decidedBy: `${subject} capability ${capability}, denied by denyCapabilities entry ${JSON.stringify(deniedBy)} (deny always wins)`,
      wouldChange: [`remove ${JSON.stringify(deniedBy)} from every layer's denyCapabilities that lists it`],
    };
  }
  return {
    allowedByPolicy: false,
    rule: 'capability-missing',
    capability,
    decidedBy: `${subject} capability ${capability}, not granted for trust level '${policy.trustLevel}'`,
    wouldChange: [
      `add ${JSON.stringify(capability)} to the capabilities of the most specific layer that sets them (session, trust level, defaults)`,
      `grant it to the source (grantedCapabilities)`,
      'raise the source to a trust level that holds it',
    ],
  };
}

function isUnder(name: string, prefix: string): boolean {
  return name === prefix || name.startsWith(`${prefix}.`);
}

function describeLayers(engine: Engine, source: InjectionSource, session: string): ExplainLayer[] {
  const config = engine.getConfig();
  const level = source.trustLevel;
  const layers: ExplainLayer[] = [
    {
      layer: 'built-in',
      path: `profile ${level}`,
      contributes: [`capabilities [${CAPABILITY_PROFILES[level].join(', ')}]`, 'built-in sandbox for the trust level'],
    },
  ];
  const add = (layer: ExplainLayerName, path: string, value: SecurityPolicy | undefined) => {
    if (value === undefined) return;
    const contributes = describeLayer(value);
    if (contributes.length > 0) layers.push({ layer, path, contributes });
  };
  add('defaults', 'defaults', config.defaults);
  add(
    'trustLevel',
    `trustLevels.${level}`,
    Object.hasOwn(config.trustLevels, level) ? config.trustLevels[level] : undefined,
  );
  add('session', `sessions.${session}`, engine.getSessionConfig(session));
  if (source.grantedCapabilities && source.grantedCapabilities.length > 0) {
    layers.push({
      layer: 'source-grants',
      path: 'source.grantedCapabilities',
      contributes: [`adds capabilities [${source.grantedCapabilities.join(', ')}]`],
    });
  }
  layers.push({
    layer: 'enforcement',
    path: 'enforcement',
    contributes: [
      config.enforcement === 'enforce'
        ? 'enforce: a denial is returned as denied'
        : config.enforcement === 'warn'
          ? 'warn: a denial is allowed with a warning'
          : 'off: every check is allowed',
    ],
  });
  return layers;
}

function describeLayer(layer: SecurityPolicy): string[] {
  const lines: string[] = [];
  if (layer.capabilities) lines.push(`capabilities [${layer.capabilities.join(', ')}] (replaces earlier grants)`);
  if (layer.denyCapabilities?.length) lines.push(`denyCapabilities [${layer.denyCapabilities.join(', ')}]`);
  if (layer.tools?.allow) lines.push(`tools.allow [${layer.tools.allow.join(', ')}] (replaces earlier allow lists)`);
  if (layer.tools?.deny?.length) lines.push(`tools.deny [${layer.tools.deny.join(', ')}]`);
  if (layer.sandbox) lines.push(`sandbox ${JSON.stringify(layer.sandbox)}`);
  if (layer.rateLimit) lines.push(`rateLimit ${JSON.stringify(layer.rateLimit)}`);
  return lines;
}

/** A layer without the deny patterns that match `tool`. */
function withoutDenyOf<Layer extends SecurityPolicy>(layer: Layer | undefined, tool: string): Layer | undefined {
  if (!layer?.tools?.deny) return layer;
  return {
    ...layer,
    tools: { ...layer.tools, deny: layer.tools.deny.filter((pattern) => !compileGlobList([pattern]).matches(tool)) },
  };
}

/**
 * What else would still deny `tool` once no deny pattern matches it (an allow list that excludes
 * it too, a missing capability), so "remove the deny pattern" is never the whole answer when it
 * is not.
 */
function stillDeniedWithoutDeny(
  config: SecurityConfig,
  source: InjectionSource,
  session: string,
  tool: string,
  registry: CapabilityRegistry,
): string[] {
  const trustLevels = Object.fromEntries(
    Object.entries(config.trustLevels).map(([level, layer]) => [level, withoutDenyOf(layer, tool)]),
  );
  const sessions = Object.fromEntries(
    Object.entries(config.sessions).map(([name, layer]) => [name, withoutDenyOf(layer, tool)]),
  );
  const relaxed = { ...config, defaults: withoutDenyOf(config.defaults, tool), trustLevels, sessions };
  const next = explainToolOn(
    createSecurityEngine({ config: relaxed as SecurityConfigInput, registry }),
    source,
    session,
    tool,
  );
  return next.allowedByPolicy ? [] : next.wouldChange.map((change) => `and then (${next.rule}): ${change}`);
}
