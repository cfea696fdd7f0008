/**
 * Policy resolution: layers built-in defaults → `defaults` → `trustLevels[level]` →
 * `sessions[name]` → the source's own grants into one {@link ResolvedPolicy}. Pure: the engine
 * caches the result.
 *
 * @module
 */
import { CAPABILITY_PROFILES, type Capability } from '../capabilities.js';
import { type CapabilitySet, compileCapabilitySet } from '../capability-check.js';
import type { CapabilityRegistry } from '../capability-registry.js';
import type { InjectionSource } from '../sources.js';
import type { TrustLevel } from '../trust.js';
import type {
  EnforcementMode,
  GatewayForwardRules,
  SandboxConfig,
  SecurityConfig,
  SecurityPolicy,
  SessionConfig,
} from './config-schema.js';
import { compileGlobList, type GlobList } from './glob.js';
import { findSandboxLoosening, layerSandbox, type SandboxLoosening } from './sandbox-defaults.js';

/** Default rate limits when no layer sets them. */
const DEFAULT_RATE_LIMIT: Readonly<ResolvedRateLimit> = Object.freeze({ perMinute: 60, perHour: 1000 });

/** Rate limits with every field filled in. */
export interface ResolvedRateLimit {
  /** Requests per minute. */
  perMinute: number;
  /** Requests per hour. */
  perHour: number;
}

/** The tool policy after layering. */
export interface ResolvedToolPolicy {
  /** The allow list of the most specific layer that has one; absent when no layer restricts. */
  allow?: readonly string[];
  /** Every layer's deny entries together. */
  deny: readonly string[];
  /** What happens to a tool with no capability mapping. */
  unmapped: 'deny' | 'allow';
}

/** The effective policy for one source in one session. Frozen. */
export interface ResolvedPolicy {
  /** The session it applies to. */
  session: string;
  /** The source's trust level. */
  trustLevel: TrustLevel;
  /** Effective capabilities, wildcards expanded and denied names removed (`["*"]` for a full grant). */
  capabilities: readonly Capability[];
  /** Deny entries from every layer. */
  deniedCapabilities: readonly Capability[];
  /** Sandbox settings. */
  sandbox: Readonly<SandboxConfig>;
  /** Tool allow and deny lists. */
  tools: ResolvedToolPolicy;
  /** Rate limits. */
  rateLimit: Readonly<ResolvedRateLimit>;
  /** How checks are enforced. */
  enforcement: EnforcementMode;
  /** The session is a gateway. */
  isGateway: boolean;
  /** The session is a gateway and the source holds `cross.inject` in it. */
  canForward: boolean;
  /** The gateway's forward rules, or `null` when the session is not a gateway. */
  forwardRules: Readonly<GatewayForwardRules> | null;
}

/** A resolved policy plus what the checks need to answer fast. */
export interface CompiledPolicy {
  /** The policy as reported to callers. */
  readonly policy: ResolvedPolicy;
  /** Granted minus denied capabilities. */
  readonly capabilities: CapabilitySet;
  /** The allow list, when one applies. */
  readonly toolAllow: GlobList | undefined;
  /** The union of deny lists. */
  readonly toolDeny: GlobList;
  /** The capability a tool needs, or `undefined` when unmapped. */
  readonly toolCapability: (tool: string) => Capability | undefined;
  /** Where the sandbox settings are looser than the built-in ones. */
  readonly sandboxLoosening: readonly SandboxLoosening[];
}

/** The session's own configuration, looked up without touching inherited properties. */
export function sessionConfigOf(config: SecurityConfig, session: string): SessionConfig | undefined {
  return Object.hasOwn(config.sessions, session) ? config.sessions[session] : undefined;
}

/**
 * Resolves the policy for `source` in `session`. Every layer is applied, including the
 * session's capabilities, sandbox and tools; deny lists add up and always win.
 * The caller has already checked that the source's type and trust level are known.
 */
export function compilePolicy(
  config: SecurityConfig,
  registry: CapabilityRegistry,
  source: InjectionSource,
  session: string,
): CompiledPolicy {
  const trustLevel = source.trustLevel;
  const sessionConfig = sessionConfigOf(config, session);
  const trustLayer = Object.hasOwn(config.trustLevels, trustLevel) ? config.trustLevels[trustLevel] : undefined;
  const layers: readonly (SecurityPolicy | undefined)[] = [config.defaults, trustLayer, sessionConfig];

  let granted: readonly Capability[] = CAPABILITY_PROFILES[trustLevel];
  for (const layer of layers) if (layer?.capabilities) granted = layer.capabilities;
  granted = [...granted, ...(source.grantedCapabilities ?? [])];
  const denied = unique(layers.flatMap((layer) => layer?.denyCapabilities ?? []));
  const capabilities = compileCapabilitySet(granted, denied, registry);

  const sandbox = layerSandbox(
    trustLevel,
    layers.map((layer) => layer?.sandbox),
  );
  const tools = layerTools(config, layers);
  const rateLimit = { ...DEFAULT_RATE_LIMIT };
  for (const layer of layers) Object.assign(rateLimit, definedFields(layer?.rateLimit));

  const forwardRules = sessionConfig?.gateway ?? null;
  const policy: ResolvedPolicy = deepFreezePolicy({
    session,
    trustLevel,
    capabilities: effectiveCapabilities(capabilities),
    deniedCapabilities: denied,
    sandbox,
    tools,
    rateLimit,
    enforcement: config.enforcement,
    isGateway: forwardRules !== null,
    canForward: forwardRules !== null && capabilities.allows('cross.inject'),
    forwardRules,
  });
  return {
    policy,
    capabilities,
    toolAllow: tools.allow ? compileGlobList(tools.allow) : undefined,
    toolDeny: compileGlobList(tools.deny),
    toolCapability: (tool) =>
      Object.hasOwn(config.toolCapabilities, tool) ? config.toolCapabilities[tool] : registry.toolCapability(tool),
    sandboxLoosening: Object.freeze(findSandboxLoosening(trustLevel, sandbox)),
  };
}

function layerTools(config: SecurityConfig, layers: readonly (SecurityPolicy | undefined)[]): ResolvedToolPolicy {
  let allow: readonly string[] | undefined;
  for (const layer of layers) if (layer?.tools?.allow) allow = layer.tools.allow;
  const deny = unique(layers.flatMap((layer) => layer?.tools?.deny ?? []));
  // Null prototype: without an allow list, `allow` must read as absent even when some other
  // library has set Object.prototype.allow.
  const tools: ResolvedToolPolicy = Object.create(null);
  if (allow) tools.allow = [...allow];
  tools.deny = deny;
  tools.unmapped = config.unmappedTools;
  return tools;
}

function effectiveCapabilities(capabilities: CapabilitySet): Capability[] {
  // A full grant stays "*": denied names are listed beside it in deniedCapabilities.
  if (capabilities.all) return ['*'];
  return [...capabilities.granted].filter((name) => !capabilities.denies(name));
}

function definedFields<Value extends object>(value: Value | undefined): Partial<Value> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<Value>;
}

function unique<Item>(items: readonly Item[]): Item[] {
  return [...new Set(items)];
}

function deepFreezePolicy(policy: ResolvedPolicy): ResolvedPolicy {
  Object.freeze(policy.capabilities);
  Object.freeze(policy.deniedCapabilities);
  Object.freeze(policy.sandbox);
  if (policy.tools.allow) Object.freeze(policy.tools.allow);
  Object.freeze(policy.tools.deny);
  Object.freeze(policy.tools);
  Object.freeze(policy.rateLimit);
  return Object.freeze(policy);
}
