/**
 * The default security engine behind the module-level functions (`initSecurity`,
 * `checkToolAccess`, …). It is created on first use, so importing core has no side effects.
 *
 * @module
 */
import type { Capability } from './capabilities.js';
import type { CapabilityRegistry } from './capability-registry.js';
import type { Clock } from './clock.js';
import { createJsonFileConfigStore, defaultConfigPath } from './config-file-store.js';
import { type ConfigStore, createMemoryConfigStore } from './config-store.js';
import { createSecurityEventEmitter, type SecurityEventEmitter } from './events.js';
import type { PolicyCheckResult } from './policy/checks.js';
import type { SecurityConfig, SecurityConfigInput } from './policy/config-schema.js';
import type { ResolvedPolicy } from './policy/resolve.js';
import { createSecurityEngine, type SecurityEngine } from './security-engine.js';
import type { InjectionSource } from './sources.js';
import { assertKnownOptions, ownProperty } from './validation.js';

/**
 * The default engine's events, as in the seed: `events.on("security", listener)`. The same
 * emitter stays in place when `initSecurity` replaces the default engine.
 */
export const events: SecurityEventEmitter = createSecurityEventEmitter();

let defaultEngine: SecurityEngine | undefined;

/** The engine the module-level functions use; created with the built-in defaults on first use. */
export function getDefaultSecurityEngine(): SecurityEngine {
  defaultEngine ??= createSecurityEngine({ events });
  return defaultEngine;
}

/**
 * Makes `engine` the default (for an application that builds its own), or with `undefined`
 * goes back to a fresh built-in default on next use.
 */
export function setDefaultSecurityEngine(engine: SecurityEngine | undefined): void {
  defaultEngine = engine;
}

/** Options for {@link initSecurity}. */
export interface InitSecurityOptions {
  /** Where the configuration lives. @default a JSON file at `path` */
  store?: ConfigStore;
  /** The JSON file to use when no `store` is given. @default `$WARDEN_SECURITY_CONFIG` or `./warden-security.json` */
  path?: string;
  /** Start from this configuration, kept in memory, instead of a file (ignored when `store` is given). */
  config?: SecurityConfigInput;
  /** Capability registry. @default the shared default registry */
  registry?: CapabilityRegistry;
  /** Time source for events. @default Date.now */
  now?: Clock;
  /** Emit an event for every allowed check too. @default false */
  auditAllowed?: boolean;
}

/**
 * Loads the configuration and makes it the default engine's. Call once at startup. When the
 * stored configuration is invalid it rejects with `InvalidInputError` and the previous default
 * engine stays in place.
 */
export async function initSecurity(options: InitSecurityOptions = {}): Promise<void> {
  assertKnownOptions(options, ['store', 'path', 'config', 'registry', 'now', 'auditAllowed'], 'initSecurity options');
  // The caller's own fields only: with Object.prototype.config or .path set by another library,
  // a call without them would load that configuration, or the file it names.
  const option = <Key extends keyof InitSecurityOptions>(key: Key): InitSecurityOptions[Key] =>
    ownProperty(options, key) as InitSecurityOptions[Key];
  const config = option('config');
  const registry = option('registry');
  const now = option('now');
  const auditAllowed = option('auditAllowed');
  const store =
    option('store') ??
    (config === undefined
      ? createJsonFileConfigStore({ path: option('path') ?? defaultConfigPath() })
      : createMemoryConfigStore());
  const engine = createSecurityEngine({
    store,
    events,
    ...(config === undefined ? {} : { config }),
    ...(registry ? { registry } : {}),
    ...(now ? { now } : {}),
    ...(auditAllowed === undefined ? {} : { auditAllowed }),
  });
  await engine.load();
  defaultEngine = engine;
}

/** The default engine's configuration. */
export function getSecurityConfig(): SecurityConfig {
  return getDefaultSecurityEngine().getConfig();
}

/**
 * Validates, stores and applies a configuration on the default engine. Rejects with
 * `InvalidInputError` for an invalid one, leaving the stored and the active configuration as they were.
 */
export function saveSecurityConfig(config: SecurityConfigInput): Promise<void> {
  return getDefaultSecurityEngine().saveConfig(config);
}

/** The effective policy for `source` in `session`, on the default engine. */
export function resolvePolicy(source: InjectionSource, session: string): ResolvedPolicy {
  return getDefaultSecurityEngine().resolvePolicy(source, session);
}

/** May `source` inject into `session`? On the default engine. */
export function checkSessionAccess(source: InjectionSource, session: string): PolicyCheckResult {
  return getDefaultSecurityEngine().checkSessionAccess(source, session);
}

/** Does `source` hold `capability` in `session`? On the default engine. */
export function checkCapability(source: InjectionSource, session: string, capability: Capability): PolicyCheckResult {
  return getDefaultSecurityEngine().checkCapability(source, session, capability);
}

/** May `source` use `toolName` in `session`? On the default engine. */
export function checkToolAccess(source: InjectionSource, session: string, toolName: string): PolicyCheckResult {
  return getDefaultSecurityEngine().checkToolAccess(source, session, toolName);
}

/** The tools `checkToolAccess` allows, on the default engine. */
export function filterToolsByPolicy(tools: readonly string[], source: InjectionSource, session: string): string[] {
  return getDefaultSecurityEngine().filterToolsByPolicy(tools, source, session);
}
