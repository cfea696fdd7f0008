/**
 * The security engine: one configuration, one capability registry, one event emitter, and the
 * policy checks over them, with resolved policies cached per (source identity, trust level,
 * session) and dropped whenever the configuration or the registry changes. An application may
 * run several engines side by side; the module-level functions use a default one.
 *
 * @module
 */
import type { Capability } from './capabilities.js';
import { type CapabilityRegistry, getDefaultCapabilityRegistry } from './capability-registry.js';
import type { Clock } from './clock.js';
import type { ConfigStore } from './config-store.js';
import { InvalidInputError } from './errors.js';
import { createSecurityEventEmitter, type SecurityEventEmitter } from './events.js';
import { applyEnforcement, type CheckVerdict, type PolicyCheckResult, reportCheck } from './policy/checks.js';
import {
  DEFAULT_SECURITY_CONFIG,
  deepFreeze,
  type GatewayForwardRules,
  type SecurityConfig,
  type SecurityConfigInput,
  type SessionConfig,
  securityConfigSchema,
} from './policy/config-schema.js';
import { compileGlobList } from './policy/glob.js';
import { PolicyCache, type Versioned } from './policy/policy-cache.js';
import { type CompiledPolicy, compilePolicy, type ResolvedPolicy, sessionConfigOf } from './policy/resolve.js';
import { sessionAccessVerdict } from './policy/session-access.js';
import { evaluateTool } from './policy/tool-policy.js';
import { readSource, reportedSource } from './source-validation.js';
import type { InjectionSource } from './sources.js';
import { assertKnownOptions, ownProperty, parseInput } from './validation.js';

/** Configuration for {@link createSecurityEngine}. */
export interface SecurityEngineConfig {
  /** The starting configuration. @default DEFAULT_SECURITY_CONFIG */
  config?: SecurityConfigInput;
  /** Where `load()` reads and `saveConfig()` writes; without one, saves stay in memory. */
  store?: ConfigStore;
  /** Time source for event timestamps. @default Date.now */
  now?: Clock;
  /** Where events go. @default a new emitter using `now` */
  events?: SecurityEventEmitter;
  /** Known capabilities and tool mappings. @default the shared default registry */
  registry?: CapabilityRegistry;
  /** Also emit an event for every allowed check (busy). @default false */
  auditAllowed?: boolean;
  /** Resolved policies kept in the cache before the oldest is dropped: a whole number of at least 1. @default 4096 */
  cacheSize?: number;
}

/** An independent policy: configuration, checks, gateway lookups and contexts. */
export interface SecurityEngine {
  /** Where this engine's events go. */
  readonly events: SecurityEventEmitter;
  /** The registry this engine resolves capabilities and tools against. */
  readonly registry: CapabilityRegistry;
  /** Increases each time a configuration is applied; part of every cache key. */
  readonly configVersion: number;
  /** The current configuration (frozen). */
  getConfig(): SecurityConfig;
  /** Reads the store and applies what it holds; rejects with `InvalidInputError` (keeping the current config) when it is invalid. */
  load(): Promise<void>;
  /** Validates, stores and applies `config`; rejects with `InvalidInputError` and changes nothing when invalid. */
  saveConfig(config: SecurityConfigInput): Promise<void>;
  /** The effective policy for `source` in `session`. */
  resolvePolicy(source: InjectionSource, session: string): ResolvedPolicy;
  /** May `source` inject into `session`? */
  checkSessionAccess(source: InjectionSource, session: string): PolicyCheckResult;
  /** Does `source` hold `capability` in `session`? Why, layer by layer: `explainCapability` (`warden policy check`). */
  checkCapability(source: InjectionSource, session: string, capability: Capability): PolicyCheckResult;
  /** May `source` use `tool` in `session`? Why, layer by layer: `explainToolAccess` (`warden policy check`). */
  checkToolAccess(source: InjectionSource, session: string, tool: string): PolicyCheckResult;
  /** The tools `checkToolAccess` allows, in their original order. */
  filterToolsByPolicy(tools: readonly string[], source: InjectionSource, session: string): string[];
  /** A session's configuration, if it has one. */
  getSessionConfig(session: string): SessionConfig | undefined;
  /** True when `session` is configured as a gateway. */
  isGateway(session: string): boolean;
  /** A gateway's forward rules, or `null` when `session` is not a gateway. */
  getGatewayRules(session: string): GatewayForwardRules | null;
  /** Every gateway session, in configuration order. */
  listGateways(): string[];
  /** A gateway `source` may reach that may forward to `targetSession`, or `null`. */
  findGatewayForSource(source: InjectionSource, targetSession: string): string | null;
}

interface CacheEntry extends Versioned {
  /**
   * The validated own-data copy of the source the entry was built from (or of an equal one):
   * what every decision reads, never the caller's object.
   */
  readonly checked: InjectionSource;
  readonly compiled: CompiledPolicy;
  readonly toolResults: Map<string, PolicyCheckResult>;
  readonly capabilityResults: Map<string, PolicyCheckResult>;
  sessionResult?: PolicyCheckResult;
}

const MAX_MEMO_ENTRIES = 1024;

const ENGINE_OPTIONS = ['config', 'store', 'now', 'events', 'registry', 'auditAllowed', 'cacheSize'] as const;

/**
 * Creates an engine. Synchronous and free of I/O: call `load()` to read the store.
 *
 * @throws {@link InvalidInputError} for an invalid `config`, or a `cacheSize` that is not a whole number of at least 1.
 */
export function createSecurityEngine(engineConfig: SecurityEngineConfig = {}): SecurityEngine {
  assertKnownOptions(engineConfig, ENGINE_OPTIONS, 'security engine options');
  // The caller's own fields only: with Object.prototype.config (or store, cacheSize…) set by
  // another library, an engine created without that field would run what the prototype holds.
  const option = <Key extends keyof SecurityEngineConfig>(key: Key): SecurityEngineConfig[Key] =>
    ownProperty(engineConfig, key) as SecurityEngineConfig[Key];
  const registry = option('registry') ?? getDefaultCapabilityRegistry();
  const now = option('now');
  const events = option('events') ?? createSecurityEventEmitter(now ? { now } : {});
  const auditAllowed = option('auditAllowed') ?? false;
  const cacheSize = option('cacheSize') ?? 4096;
  const store = option('store');
  const initialConfig = option('config');
  // The cache drops its oldest entry once it holds `cacheSize`; against NaN or text that test
  // never passes, and every key a peer mints would stay in memory.
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 1) {
    throw invalidInput('cacheSize must be a whole number of at least 1', 'cacheSize');
  }
  const cache = new PolicyCache<CacheEntry>(cacheSize);
  let config = initialConfig === undefined ? DEFAULT_SECURITY_CONFIG : parseConfig(initialConfig);
  let configVersion = 1;
  let gatewayNames = listGatewayNames(config);
  let saving: Promise<void> = Promise.resolve();

  const apply = (next: SecurityConfig): void => {
    config = next;
    gatewayNames = listGatewayNames(next);
    configVersion += 1;
    cache.clear();
  };

  const isCurrent = (entry: CacheEntry): boolean =>
    entry.configVersion === configVersion && entry.registryVersion === registry.version;

  const buildEntry = (checked: InjectionSource, session: string): CacheEntry => {
    const compiled = compilePolicy(config, registry, checked, session);
    if (compiled.sandboxLoosening.length > 0) {
      events.emit({
        type: 'policy_warning',
        source: checked,
        session,
        details: { sandboxLoosened: compiled.sandboxLoosening },
      });
    }
    return {
      checked,
      compiled,
      configVersion,
      registryVersion: registry.version,
      toolResults: new Map(),
      capabilityResults: new Map(),
    };
  };

  // The engine's entry for a source: the caller's object is read once, either by the cache's
  // fast path (each field compared with the validated copy it last held) or into a validated
  // own-data copy (readSource). Everything after decides on the entry's copy, so a getter or a
  // Proxy that answers a later read differently changes no decision.
  const entryFor = (source: InjectionSource, session: string): CacheEntry => {
    const hit = cache.peek(source, session, configVersion, registry.version);
    if (hit !== undefined) return hit;
    const checked = readSource(source);
    assertName(session, 'session');
    return cache.lookup(source, checked, session, isCurrent, () => buildEntry(checked, session));
  };

  const memo = (results: Map<string, PolicyCheckResult>, key: string, decide: () => CheckVerdict) => {
    let result = results.get(key);
    if (result === undefined) {
      result = applyEnforcement(config.enforcement, decide());
      if (results.size < MAX_MEMO_ENTRIES) results.set(key, result);
    }
    return result;
  };

  const findGateway = (source: InjectionSource, target: string): string | null => {
    for (const gateway of gatewayNames) {
      if (gateway === target) continue;
      const rules = sessionConfigOf(config, gateway)?.gateway;
      if (!rules || !compileGlobList(rules.allowForwardTo).matches(target)) continue;
      if (sessionAccessVerdict(config, source, gateway).allowed) return gateway;
    }
    return null;
  };

  const engine: SecurityEngine = {
    events,
    registry,
    get configVersion() {
      return configVersion;
    },
    getConfig: () => config,
    async load() {
      await saving;
      const document = store ? await store.load() : undefined;
      if (document !== undefined) apply(parseConfig(document));
    },
    saveConfig(input) {
      let next: SecurityConfig;
      try {
        next = parseConfig(input);
      } catch (error) {
        return Promise.reject(error);
      }
      // Saves run one after another, and a config is applied only once it is stored.
      saving = saving.then(async () => {
        await store?.save(next);
        apply(next);
      });
      const done = saving;
      saving = saving.catch(() => {});
      return done;
    },
    resolvePolicy: (source, session) => entryFor(source, session).compiled.policy,
    checkSessionAccess(source, session) {
      const entry = entryFor(source, session);
      entry.sessionResult ??= applyEnforcement(config.enforcement, sessionVerdict(entry.checked, session));
      const result = entry.sessionResult;
      if (!result.allowed || result.warning !== undefined || auditAllowed) {
        const report = { kind: 'session', source: reportedSource(source, entry.checked), session } as const;
        reportCheck(events, config.enforcement, report, result, auditAllowed);
      }
      return result;
    },
    checkCapability(source, session, capability) {
      assertName(capability, 'capability');
      const entry = entryFor(source, session);
      const result = memo(entry.capabilityResults, capability, () =>
        entry.compiled.capabilities.allows(capability)
          ? { allowed: true, requiredCapability: capability }
          : {
              allowed: false,
              requiredCapability: capability,
              reason: `Capability ${capability} not granted for trust level '${entry.checked.trustLevel}'`,
            },
      );
      if (!result.allowed || result.warning !== undefined || auditAllowed) {
        const report = {
          kind: 'capability',
          source: reportedSource(source, entry.checked),
          session,
          subject: { capability },
        } as const;
        reportCheck(events, config.enforcement, report, result, auditAllowed);
      }
      return result;
    },
    checkToolAccess(source, session, tool) {
      assertName(tool, 'tool');
      return toolResult(source, entryFor(source, session), session, tool);
    },
    filterToolsByPolicy(tools, source, session) {
      if (!Array.isArray(tools)) throw invalidInput('tools must be a list of tool names', 'tools');
      // One read of the source for the whole list: every tool is decided for the same copy.
      const entry = entryFor(source, session);
      return tools.filter((tool) => {
        assertName(tool, 'tool');
        return toolResult(source, entry, session, tool).allowed;
      });
    },
    getSessionConfig: (session) => sessionConfigOf(config, session),
    isGateway: (session) => sessionConfigOf(config, session)?.gateway !== undefined,
    getGatewayRules: (session) => sessionConfigOf(config, session)?.gateway ?? null,
    listGateways: () => [...gatewayNames],
    findGatewayForSource(source, targetSession) {
      const checked = readSource(source);
      assertName(targetSession, 'session');
      return findGateway(checked, targetSession);
    },
  };

  /** `checkToolAccess` on an entry already found: decided on the entry's copy, reported as asked. */
  function toolResult(source: InjectionSource, entry: CacheEntry, session: string, tool: string): PolicyCheckResult {
    const result = memo(entry.toolResults, tool, () => evaluateTool(entry.compiled, tool));
    if (!result.allowed || result.warning !== undefined || auditAllowed) {
      reportCheck(
        events,
        config.enforcement,
        { kind: 'tool', source: reportedSource(source, entry.checked), session, subject: { tool } },
        result,
        auditAllowed,
      );
    }
    return result;
  }

  function sessionVerdict(source: InjectionSource, session: string): CheckVerdict {
    const verdict = sessionAccessVerdict(config, source, session);
    if (verdict.allowed) return { allowed: true };
    const gateway = findGateway(source, session);
    return gateway === null ? verdict : { ...verdict, requiresGateway: true, suggestedGateway: gateway };
  }

  return engine;
}

function parseConfig(input: unknown): SecurityConfig {
  return deepFreeze(parseInput(securityConfigSchema, input, 'security config'));
}

function listGatewayNames(config: SecurityConfig): string[] {
  return Object.keys(config.sessions).filter((name) => config.sessions[name]?.gateway !== undefined);
}

function assertName(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw invalidInput(`${what} must be a non-empty string`, what);
  }
}

function invalidInput(message: string, path: string): InvalidInputError {
  return new InvalidInputError({ message, issues: [{ path, message }] });
}
