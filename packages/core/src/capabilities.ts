/**
 * Capabilities: dotted names for what a source may do (`inject.tools`, `session.spawn`), the
 * seed's built-in profiles, and the pure matching rules every check uses.
 *
 * @module
 */
import type { TrustLevel } from './trust.js';

/** The capabilities core defines; `"*"` grants every capability. */
export type CoreCapability =
  | 'inject'
  | 'inject.tools'
  | 'inject.network'
  | 'inject.exec'
  | 'session.spawn'
  | 'cross.inject'
  | 'config.write'
  | 'a2a.call'
  | '*';

/**
 * A capability name: a core one, a plugin-registered dotted name (`"memory.read"`), or a
 * wildcard (`"*"`, `"inject.*"`). Plugins register theirs in a `CapabilityRegistry`.
 */
export type Capability = CoreCapability | (string & {});

/** Core capabilities in registration order (what `expandCapabilities(["*"])` lists first). */
export const CORE_CAPABILITIES: readonly Capability[] = Object.freeze([
  'inject',
  'inject.tools',
  'inject.network',
  'inject.exec',
  'session.spawn',
  'cross.inject',
  'config.write',
  'a2a.call',
]);

/** The names of the built-in capability profiles. */
export type CapabilityProfileName = TrustLevel | 'readonly' | 'gateway';

/** Pre-defined capability sets, as in the seed. Frozen: copy before changing. */
export const CAPABILITY_PROFILES: Readonly<Record<CapabilityProfileName, readonly Capability[]>> = Object.freeze({
  owner: Object.freeze(['*']),
  trusted: Object.freeze(['inject', 'inject.tools', 'session.spawn', 'a2a.call']),
  'semi-trusted': Object.freeze(['inject', 'inject.tools']),
  untrusted: Object.freeze(['inject']),
  readonly: Object.freeze(['inject']),
  gateway: Object.freeze(['inject', 'inject.tools', 'cross.inject', 'a2a.call']),
});

/**
 * A capability name or wildcard: dot-separated segments of letters, digits, `_` and `-`, each
 * starting with a letter or digit, optionally ending in `.*`; or `*` alone.
 */
const CAPABILITY_PATTERN: RegExp = /^(\*|[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*(\.\*)?)$/;

/** True when `name` is a well-formed capability name or wildcard. */
export function isCapabilityName(name: unknown): name is Capability {
  return typeof name === 'string' && name.length <= 128 && CAPABILITY_PATTERN.test(name);
}

/** The prefix a `"a.*"` wildcard covers (`"a"`), or `undefined` for anything else. */
export function wildcardPrefix(capability: string): string | undefined {
  return capability.length > 2 && capability.endsWith('.*') ? capability.slice(0, -2) : undefined;
}

/** True when `name` is `prefix` itself or one of its dotted descendants. */
export function isWithinPrefix(name: string, prefix: string): boolean {
  return name === prefix || (name.length > prefix.length && name.startsWith(prefix) && name[prefix.length] === '.');
}
