import type { SecurityConfigInput } from '@warden/core';

/**
 * The policy the host runs with when the configuration file sets none:
 * - `code-assistant`: trusted sources and owners; a short tool list; `Bash` needs `inject.exec`,
 *   which trusted peers do not hold unless an agent delegates it to them;
 * - `p2p-gateway`: the door for discovered peers; forwards to `code-runner` only after approval;
 * - `code-runner`: reachable only through the gateway; runs commands in the tightest sandbox.
 * Every source's code runs in a sandbox (the host has no other way to run it), network off.
 */
export const DEFAULT_HOST_POLICY: SecurityConfigInput = {
  version: 1,
  enforcement: 'enforce',
  defaultAccess: ['trust:trusted'],
  defaults: {
    sandbox: { enabled: true, networkPolicy: 'none' },
    tools: { deny: ['WebFetch', 'WebSearch', 'config_set'] },
  },
  sessions: {
    'code-assistant': {
      description: 'A coding agent for the owner and trusted peers',
      tools: { allow: ['Read', 'Grep', 'Glob', 'Bash'] },
    },
    'p2p-gateway': {
      description: 'Where discovered peers knock; everything they send waits for an operator',
      access: ['type:p2p-discovery'],
      capabilities: ['inject', 'cross.inject'],
      gateway: {
        allowForwardTo: ['code-runner'],
        allowActions: ['message', 'run'],
        requireApproval: true,
        rateLimit: { perMinute: 10, perHour: 100 },
      },
    },
    'code-runner': {
      description: 'Runs approved commands from discovered peers, in the tightest sandbox',
      access: ['session:p2p-gateway'],
      capabilities: ['inject', 'inject.exec'],
      tools: { allow: ['Bash'] },
      sandbox: { maxMemoryMb: 128, maxCpuPercent: 25, maxPids: 32, timeoutMs: 30_000 },
    },
  },
};

/** The tools an agent session may be offered; each message gets the subset its source may use. */
export const DEFAULT_TOOLBOX: readonly string[] = ['Read', 'Grep', 'Glob', 'Bash', 'WebFetch', 'config_set'];

/**
 * The host's own agents and the root capabilities the operator grants them at startup: the
 * `code-assistant` agent may run commands in its session and may delegate that to peers.
 */
export const DEFAULT_AGENTS: Readonly<
  Record<string, { grants: { session: string; capabilities: string[]; delegatable: boolean }[] }>
> = {
  'code-assistant': { grants: [{ session: 'code-assistant', capabilities: ['inject.exec'], delegatable: true }] },
};
