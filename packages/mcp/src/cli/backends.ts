/**
 * The backends the command wires from the configuration: stubs in memory by default.
 *
 * @module
 */
import type { ResolvedMcpConfig } from '../config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../enforcer/enforcer.js';

/** An enforcer and what closes its backends. */
export interface Backends {
  /** The enforcer over the configured backends. */
  enforcer: McpEnforcer;
  /** Releases connections. */
  close: () => Promise<void>;
}

/** Creates the enforcer over the backends the configuration names. */
export async function createBackends(config: ResolvedMcpConfig): Promise<Backends> {
  const enforcer = createMcpEnforcer({ config });
  return { enforcer, close: async () => {} };
}
