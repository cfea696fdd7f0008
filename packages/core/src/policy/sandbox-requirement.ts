/**
 * From policy to a sandbox: whether policy requires one for a source in a session, and the
 * {@link SandboxConstraints} that `Sandbox.create()` accepts, taken from the resolved policy.
 *
 * @module
 */
import { getDefaultSecurityEngine } from '../default-engine.js';
import type { SandboxConstraints } from '../ports/sandbox.js';
import type { SecurityEngine } from '../security-engine.js';
import type { InjectionSource } from '../sources.js';
import type { ResolvedPolicy } from './resolve.js';

/** What policy asks for code a source runs in a session. */
export interface SandboxRequirement {
  /** True when policy requires the code to run in a sandbox (`sandbox.enabled` of the resolved policy). */
  required: boolean;
  /**
   * The limits to create the sandbox with, ready for `Sandbox.create()`. Fields the policy leaves
   * out are left out here too, so the backend fills them from its own defaults. Given even when
   * no sandbox is required, for hosts that sandbox everything.
   */
  constraints: SandboxConstraints;
}

/**
 * The sandbox settings of a resolved policy as the constraints `Sandbox.create()` accepts:
 * everything but the policy-only `enabled` flag, arrays copied (the policy is frozen, the result
 * is yours to extend, for example with `env`). Passing `policy.sandbox` itself to `create` fails
 * with `Unrecognized key: "enabled"`.
 */
export function sandboxConstraintsFromPolicy(policy: Pick<ResolvedPolicy, 'sandbox'>): SandboxConstraints {
  const sandbox = policy.sandbox;
  const constraints: SandboxConstraints = {};
  if (sandbox.networkPolicy !== undefined) constraints.networkPolicy = sandbox.networkPolicy;
  if (sandbox.maxMemoryMb !== undefined) constraints.maxMemoryMb = sandbox.maxMemoryMb;
  if (sandbox.maxCpuPercent !== undefined) constraints.maxCpuPercent = sandbox.maxCpuPercent;
  if (sandbox.maxPids !== undefined) constraints.maxPids = sandbox.maxPids;
  if (sandbox.timeoutMs !== undefined) constraints.timeoutMs = sandbox.timeoutMs;
  if (sandbox.allowedPaths !== undefined) constraints.allowedPaths = [...sandbox.allowedPaths];
  if (sandbox.writablePaths !== undefined) constraints.writablePaths = [...sandbox.writablePaths];
  return constraints;
}

/**
 * Whether policy requires `source`'s code in `session` to run in a sandbox, and with which
 * constraints (see {@link sandboxConstraintsFromPolicy}). On the default engine unless `engine`
 * is given. The requirement holds under every enforcement mode: a sandbox contains code, it is
 * not a check that `warn` or `off` waives.
 *
 * @throws {@link InvalidInputError} for a malformed source or session name, as `resolvePolicy` does.
 */
export function checkSandboxRequired(
  source: InjectionSource,
  session: string,
  engine: SecurityEngine = getDefaultSecurityEngine(),
): SandboxRequirement {
  const policy = engine.resolvePolicy(source, session);
  return { required: policy.sandbox.enabled, constraints: sandboxConstraintsFromPolicy(policy) };
}
