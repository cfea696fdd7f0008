/**
 * The backends the command wires from the configuration: stubs in memory, or Redis (kill switch,
 * approvals, used approvals and tool pins) shared by every replica.
 *
 * @module
 */
import { createApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore, createRedisRateLimiter } from '@warden/approvals-redis';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import type { ResolvedMcpConfig } from '../config/config-schema.js';
import { createMcpEnforcer, type McpEnforcer } from '../enforcer/enforcer.js';
import { createObservedEventEmitter } from '../enforcer/observed-events.js';
import { createRedisToolPinStore } from '../pinning/redis-pin-store.js';

/** An enforcer and what closes its backends. */
export interface Backends {
  /** The enforcer over the configured backends. */
  enforcer: McpEnforcer;
  /** Releases connections. */
  close: () => Promise<void>;
}

/**
 * Creates the enforcer over the backends the configuration names: with `backends.redisUrl`, the
 * kill switch, the approval store, the record of used approvals and the tool pins all live in
 * Redis, under `backends.keyPrefix`. Opens no connection until the first message.
 */
export function createBackends(config: ResolvedMcpConfig): Backends {
  const { redisUrl, keyPrefix, commandTimeoutMs, staleAfterMs } = config.backends;
  if (redisUrl === undefined) return { enforcer: createMcpEnforcer({ config }), close: async () => {} };
  const events = createObservedEventEmitter();
  const connection = { url: redisUrl, commandTimeoutMs };
  const killSwitch = createRedisKillSwitch({
    ...connection,
    keyPrefix: `${keyPrefix}kill-switch:`,
    staleAfterMs,
    events,
  });
  const store = createRedisApprovalStore({ ...connection, keyPrefix: `${keyPrefix}approvals:` });
  const usedApprovals = createRedisRateLimiter({ ...connection, keyPrefix: `${keyPrefix}rate:` });
  const toolPins = createRedisToolPinStore({ ...connection, keyPrefix: `${keyPrefix}mcp:` });
  const enforcer = createMcpEnforcer({
    config,
    events,
    killSwitch,
    approvals: createApprovalWorkflow({ store, events }),
    usedApprovals,
    toolPins,
  });
  return {
    enforcer,
    close: async () => {
      await Promise.all([killSwitch.close(), store.close(), usedApprovals.close(), toolPins.close()]);
    },
  };
}
