/**
 * Matching capability lists: `"*"` grants everything, `"a.*"` grants `a` and every registered
 * `a.…` descendant, and a bare `"a"` grants only `a` (no implicit children).
 *
 * @module
 */
import { type Capability, isWithinPrefix, wildcardPrefix } from './capabilities.js';
import { type CapabilityRegistry, getDefaultCapabilityRegistry } from './capability-registry.js';
import { InvalidInputError } from './errors.js';

/**
 * True when `capabilities` grant `required`. A required wildcard (`"a.*"`) needs every name it
 * covers.
 *
 * @param registry where `"a.*"` looks up descendants; defaults to the shared registry.
 * @throws {@link InvalidInputError} when `capabilities` is not a list of strings or `required` is
 * not a non-empty string (the string `"inject.*"` in place of a list contains a `"*"`, and must
 * not read as a grant of everything).
 * @example
 * hasCapability(['inject', 'inject.tools'], 'inject.tools'); // true
 * hasCapability(['inject', 'inject.tools'], 'inject.exec'); // false
 * hasCapability(['*'], 'anything'); // true
 */
export function hasCapability(
  capabilities: readonly Capability[],
  required: Capability,
  registry: CapabilityRegistry = getDefaultCapabilityRegistry(),
): boolean {
  assertCapabilityList(capabilities);
  if (typeof required !== 'string' || required.length === 0) {
    throw invalidCapabilities('required', 'must be a non-empty capability name');
  }
  return compileCapabilitySet(capabilities, [], registry).allows(required);
}

/**
 * Lists the names a capability list covers, wildcards expanded against the registry, without
 * duplicates, in registration order (unregistered bare names follow as given).
 *
 * @throws {@link InvalidInputError} when `capabilities` is not a list of strings.
 * @example
 * expandCapabilities(['inject.*']); // ['inject', 'inject.tools', 'inject.network', 'inject.exec']
 */
export function expandCapabilities(
  capabilities: readonly Capability[],
  registry: CapabilityRegistry = getDefaultCapabilityRegistry(),
): Capability[] {
  assertCapabilityList(capabilities);
  const names = new Set<Capability>();
  for (const capability of capabilities) {
    if (capability === '*') for (const name of registry.list()) names.add(name);
    else {
      const prefix = wildcardPrefix(capability);
      if (prefix === undefined) names.add(capability);
      else for (const name of registry.descendantsOf(prefix)) names.add(name);
    }
  }
  return [...names];
}

/** Throws `INVALID_INPUT` unless `value` is a real array of strings (not a string, which also has `includes`). */
function assertCapabilityList(value: unknown): asserts value is readonly Capability[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) {
    throw invalidCapabilities('capabilities', 'must be a list of capability names');
  }
}

function invalidCapabilities(path: string, message: string): InvalidInputError {
  return new InvalidInputError({ message: `${path} ${message}`, issues: [{ path, message }] });
}

/** A granted list minus a denied list, compiled for fast repeated checks. */
export interface CapabilitySet {
  /** True when every registered and unregistered name is granted (a `"*"` grant). */
  readonly all: boolean;
  /** The granted names, expanded (empty when `all`). */
  readonly granted: ReadonlySet<Capability>;
  /** True when `capability` is granted and not denied. */
  allows(capability: Capability): boolean;
  /** True when a deny entry covers `capability`. */
  denies(capability: Capability): boolean;
}

/**
 * Compiles `granted` minus `denied`. Deny entries cover more than grants: `"a.*"` denies `a` and
 * every `a.…` name, registered or not, and `"*"` denies everything.
 */
export function compileCapabilitySet(
  granted: readonly Capability[],
  denied: readonly Capability[],
  registry: CapabilityRegistry,
): CapabilitySet {
  const all = granted.includes('*');
  const grantedNames: ReadonlySet<Capability> = new Set(all ? [] : expandCapabilities(granted, registry));
  const denyAll = denied.includes('*');
  const deniedNames = new Set<string>();
  const deniedPrefixes: string[] = [];
  for (const entry of denied) {
    const prefix = wildcardPrefix(entry);
    if (prefix === undefined) deniedNames.add(entry);
    else deniedPrefixes.push(prefix);
  }
  const denies = (capability: Capability): boolean =>
    denyAll ||
    deniedNames.has(capability) ||
    (deniedPrefixes.length > 0 && deniedPrefixes.some((prefix) => isWithinPrefix(capability, prefix)));
  const allowsName = (name: Capability): boolean => (all || grantedNames.has(name)) && !denies(name);
  return {
    all,
    granted: grantedNames,
    denies,
    allows(capability) {
      if (capability === '*') return all && !denyAll && deniedNames.size === 0 && deniedPrefixes.length === 0;
      const prefix = wildcardPrefix(capability);
      if (prefix === undefined) return allowsName(capability);
      const covered = registry.descendantsOf(prefix);
      return covered.length > 0 && covered.every(allowsName) && !denies(capability);
    },
  };
}
