/**
 * The capability registry: which dotted capability names exist, who registered them, and which
 * capability each tool needs. Plugins add their own names and tool mappings; ownership keeps a
 * plugin from redefining core's names or another plugin's.
 *
 * @module
 */
import { type Capability, CORE_CAPABILITIES, isCapabilityName, isWithinPrefix } from './capabilities.js';
import { ConflictError, InvalidInputError } from './errors.js';

/** The owner name of everything core registers. */
const CORE_OWNER = 'core';

/** Core's tool → capability mappings for common agent tools. */
export const CORE_TOOL_CAPABILITIES: Readonly<Record<string, Capability>> = Object.freeze({
  Read: 'inject.tools',
  Write: 'inject.tools',
  Edit: 'inject.tools',
  MultiEdit: 'inject.tools',
  NotebookEdit: 'inject.tools',
  Glob: 'inject.tools',
  Grep: 'inject.tools',
  LS: 'inject.tools',
  TodoWrite: 'inject.tools',
  Bash: 'inject.exec',
  WebFetch: 'inject.network',
  WebSearch: 'inject.network',
  Task: 'session.spawn',
  sessions_spawn: 'session.spawn',
  sessions_send: 'cross.inject',
  a2a_call: 'a2a.call',
  config_set: 'config.write',
});

/** What a plugin registers: new capability names and tool mappings. */
export interface CapabilityRegistration {
  /** New dotted names (no wildcards). Each top-level namespace belongs to the first owner that uses it. */
  capabilities?: readonly Capability[];
  /** Tool name → the (registered) capability it needs. */
  tools?: Readonly<Record<string, Capability>>;
}

/** Known capability names and tool mappings, with ownership. */
export interface CapabilityRegistry {
  /** Increases on every change, so caches built from the registry know when to rebuild. */
  readonly version: number;
  /**
   * Registers names and tool mappings for `owner`, all or nothing. Registering what `owner`
   * already registered is a no-op.
   *
   * @throws {@link ConflictError} when a name, namespace or tool belongs to core or another owner.
   * @throws {@link InvalidInputError} for a malformed owner, registration, name or mapping.
   */
  register(owner: string, registration: CapabilityRegistration): void;
  /** Removes everything `owner` registered. Core's entries cannot be removed. */
  unregister(owner: string): void;
  /** True when `name` is registered. */
  has(name: string): boolean;
  /** Who registered `name`, if anyone. */
  ownerOf(name: string): string | undefined;
  /** Every registered name, in registration order. */
  list(): readonly Capability[];
  /** `prefix` (when registered) and every registered `prefix.…` descendant, in registration order. */
  descendantsOf(prefix: string): readonly Capability[];
  /** The capability a tool needs, or `undefined` when the tool is unmapped. */
  toolCapability(tool: string): Capability | undefined;
  /** Every tool mapping. */
  toolMappings(): ReadonlyMap<string, Capability>;
}

/** Creates a registry holding core's capabilities and tool mappings. */
export function createCapabilityRegistry(): CapabilityRegistry {
  const capabilityOwners = new Map<string, string>();
  const namespaceOwners = new Map<string, string>();
  const toolOwners = new Map<string, { owner: string; capability: Capability }>();
  let version = 0;

  const apply = (owner: string, names: readonly string[], tools: readonly (readonly [string, Capability])[]) => {
    for (const name of names) {
      capabilityOwners.set(name, owner);
      namespaceOwners.set(namespaceOf(name), owner);
    }
    for (const [tool, capability] of tools) toolOwners.set(tool, { owner, capability });
    version += 1;
  };
  apply(CORE_OWNER, CORE_CAPABILITIES, Object.entries(CORE_TOOL_CAPABILITIES));

  const registry: CapabilityRegistry = {
    get version() {
      return version;
    },
    register(owner, registration) {
      assertOwner(owner);
      assertRegistration(registration);
      const names = [...new Set(registration.capabilities ?? [])];
      const tools = Object.entries(registration.tools ?? {});
      for (const name of names) checkNameAvailable(name, owner, capabilityOwners, namespaceOwners);
      for (const [tool, capability] of tools) {
        checkToolAvailable(tool, capability, owner, toolOwners);
        if (!capabilityOwners.has(capability) && !names.includes(capability)) {
          throw invalid(`Tool "${tool}" maps to unregistered capability "${capability}"`, `tools.${tool}`);
        }
      }
      apply(owner, names, tools);
    },
    unregister(owner) {
      if (owner === CORE_OWNER) throw new ConflictError({ message: 'Core capabilities cannot be unregistered' });
      for (const map of [capabilityOwners, namespaceOwners]) {
        for (const [key, keyOwner] of map) if (keyOwner === owner) map.delete(key);
      }
      for (const [tool, entry] of toolOwners) if (entry.owner === owner) toolOwners.delete(tool);
      version += 1;
    },
    has: (name) => capabilityOwners.has(name),
    ownerOf: (name) => capabilityOwners.get(name),
    list: () => [...capabilityOwners.keys()],
    descendantsOf: (prefix) => [...capabilityOwners.keys()].filter((name) => isWithinPrefix(name, prefix)),
    toolCapability: (tool) => toolOwners.get(tool)?.capability,
    toolMappings: () => new Map([...toolOwners].map(([tool, entry]) => [tool, entry.capability])),
  };
  return registry;
}

function namespaceOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function assertOwner(owner: string): void {
  if (typeof owner !== 'string' || !/^[A-Za-z0-9@/._-]{1,128}$/.test(owner) || owner === CORE_OWNER) {
    throw invalid(`Invalid plugin owner name ${JSON.stringify(owner)}`, 'owner');
  }
}

/**
 * A registration is an object whose `capabilities`, when given, is a list and whose `tools`, when
 * given, is a plain object: a string would be read character by character, and a list of pairs
 * as tools named "0", "1", ….
 */
function assertRegistration(registration: unknown): asserts registration is CapabilityRegistration {
  if (typeof registration !== 'object' || registration === null || Array.isArray(registration)) {
    throw invalid('A registration must be an object with capabilities and tools', 'registration');
  }
  const { capabilities, tools } = registration as Record<string, unknown>;
  if (capabilities !== undefined && !Array.isArray(capabilities)) {
    throw invalid('capabilities must be a list of capability names', 'capabilities');
  }
  const toolsPrototype = typeof tools === 'object' && tools !== null ? Object.getPrototypeOf(tools) : undefined;
  if (tools !== undefined && toolsPrototype !== Object.prototype && toolsPrototype !== null) {
    throw invalid('tools must be an object mapping tool names to capability names', 'tools');
  }
}

function checkNameAvailable(
  name: string,
  owner: string,
  capabilityOwners: ReadonlyMap<string, string>,
  namespaceOwners: ReadonlyMap<string, string>,
): void {
  if (!isCapabilityName(name) || name.includes('*')) {
    throw invalid(`Invalid capability name ${JSON.stringify(name)}`, 'capabilities');
  }
  const nameOwner = capabilityOwners.get(name) ?? namespaceOwners.get(namespaceOf(name));
  if (nameOwner !== undefined && nameOwner !== owner) {
    throw new ConflictError({ message: `Capability "${name}" belongs to ${nameOwner}; ${owner} cannot redefine it` });
  }
}

function checkToolAvailable(
  tool: string,
  capability: Capability,
  owner: string,
  toolOwners: ReadonlyMap<string, { owner: string; capability: Capability }>,
): void {
  if (typeof tool !== 'string' || tool.length === 0 || tool.length > 256 || /[\s\0*?]/.test(tool)) {
    throw invalid(`Invalid tool name ${JSON.stringify(tool)}`, 'tools');
  }
  if (!isCapabilityName(capability) || capability.includes('*')) {
    throw invalid(`Tool "${tool}" must map to one capability name`, `tools.${tool}`);
  }
  const current = toolOwners.get(tool);
  if (current && current.owner !== owner) {
    throw new ConflictError({ message: `Tool "${tool}" is mapped by ${current.owner}; ${owner} cannot remap it` });
  }
}

function invalid(message: string, path: string): InvalidInputError {
  return new InvalidInputError({ message, issues: [{ path, message }] });
}

let defaultRegistry: CapabilityRegistry | undefined;

/** The registry shared by the module-level functions and the default engine, created on first use. */
export function getDefaultCapabilityRegistry(): CapabilityRegistry {
  defaultRegistry ??= createCapabilityRegistry();
  return defaultRegistry;
}
