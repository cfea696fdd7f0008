/**
 * The environment a spawned upstream server starts with.
 *
 * @module
 */

/**
 * Names of Warden's own variables: `WARDEN_MCP_REDIS_URL` (which may carry the Redis password),
 * signing keys such as `WARDEN_AUDIT_KEY_PEM`, `WARDEN_JIT_…` credentials. Matched without regard
 * to case, as Windows reads names.
 */
const WARDEN_VARIABLE = /^WARDEN_/i;

/**
 * This process's environment without Warden's own variables (`WARDEN_…`), then the upstream's
 * configured `env` on top. The server is the party Warden guards against: with the Redis URL it
 * could pin its own tool definitions, approve its own held calls or read the approvals, and a tool
 * that prints its environment (server-everything's `get-env`) handed the URL to the caller too. A
 * variable the configuration's `env` names explicitly is the operator's choice and is passed.
 */
export function upstreamEnvironment(
  configured: Readonly<Record<string, string>> | undefined,
  inherited: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(inherited))
    if (!WARDEN_VARIABLE.test(name) && value !== undefined) environment[name] = value;
  return { ...environment, ...configured };
}
