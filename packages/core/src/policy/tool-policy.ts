/**
 * Tool decisions on a compiled policy: deny lists win, then the allow list, then the tool's
 * capability (or the `unmappedTools` setting for a tool without one). `checkToolAccess` and
 * `filterToolsByPolicy` both use this one function, so they cannot disagree.
 *
 * @module
 */
import type { Capability } from '../capabilities.js';
import type { CompiledPolicy } from './resolve.js';
import type { PolicyVerdict } from './session-access.js';

/** A tool decision, naming the capability the tool needs when that was the reason. */
export interface ToolVerdict extends PolicyVerdict {
  /** The capability the tool needs, when it has a mapping. */
  requiredCapability?: Capability;
}

/** Decides whether the compiled policy lets the source use `tool`. */
export function evaluateTool(compiled: CompiledPolicy, tool: string): ToolVerdict {
  const { trustLevel, session } = compiled.policy;
  const deniedBy = compiled.toolDeny.firstMatch(tool);
  if (deniedBy !== undefined) {
    return {
      allowed: false,
      reason: `Tool ${tool} is denied by policy (${deniedBy}) for '${trustLevel}' in ${session}`,
    };
  }
  if (compiled.toolAllow && !compiled.toolAllow.matches(tool)) {
    return { allowed: false, reason: `Tool ${tool} is not in the allowed tools for '${trustLevel}' in ${session}` };
  }
  const requiredCapability = compiled.toolCapability(tool);
  if (requiredCapability === undefined) {
    if (compiled.policy.tools.unmapped === 'allow') return { allowed: true };
    return { allowed: false, reason: `Tool ${tool} has no capability mapping and unmapped tools are denied` };
  }
  if (!compiled.capabilities.allows(requiredCapability)) {
    return {
      allowed: false,
      reason: `Tool ${tool} requires capability ${requiredCapability}, not granted for trust level '${trustLevel}'`,
      requiredCapability,
    };
  }
  return { allowed: true, requiredCapability };
}
