/**
 * The backends the command wires from the configuration: stubs in memory.
 *
 * @module
 */
import { CapabilityUnsupportedError } from '@warden/core';
import type { ResolvedMcpConfig } from '../config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../enforcer/enforcer.js';

/** An enforcer and what closes its backends. */
export interface Backends {
  /** The enforcer over the configured backends. */
  enforcer: McpEnforcer;
  /** Releases connections. */
  close: () => Promise<void>;
}

/**
 * Creates the enforcer over the backends the configuration names.
 *
 * @throws `CapabilityUnsupportedError` for `backends.redisUrl`: the command does not wire Redis
 * yet, and silently running on in-memory state instead would not be what the operator asked for.
 */
export async function createBackends(config: ResolvedMcpConfig): Promise<Backends> {
  if (config.backends.redisUrl !== undefined) {
    throw new CapabilityUnsupportedError({
      message:
        'backends.redisUrl: the warden-mcp command does not wire Redis yet; embed createMcpEnforcer with a Redis kill switch and approval workflow instead',
    });
  }
  const enforcer = createMcpEnforcer({ config });
  return { enforcer, close: async () => {} };
}
