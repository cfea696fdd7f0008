import {
  type ExecResult,
  type InjectionSource,
  type JITCredential,
  type SandboxCommand,
  type SandboxConstraints,
  type SandboxStatus,
  sandboxConstraintsFromPolicy,
} from '@warden/core';
import { CREDENTIAL_ENV } from './backends.js';
import { agentIdOf } from './delegation.js';
import type { HostContext } from './host-context.js';

/** What a run reports back: where it ran, which credential it had, and what the command did. */
export interface RunReport extends Omit<ExecResult, 'oomKilled'> {
  /** The sandbox: backend, id and the limits it actually got. */
  sandbox: { backend: string; id: string; constraints: SandboxConstraints; destroyed: boolean };
  /** The run's JIT credential (never its token). */
  jitCredential: { id: string; scope: string[]; expiresAt: string; revoked: boolean };
}

/**
 * Step 5: runs a command in a fresh sandbox with the limits the resolved policy asks for, with a
 * JIT credential issued just before the command and revoked right after it, then destroys the
 * sandbox. The host has no other way to run code: where a policy leaves the sandbox off (owners
 * and trusted sources by default), the sandbox backend's own defaults apply instead.
 */
export async function runInSandbox(
  host: HostContext,
  source: InjectionSource,
  session: string,
  command: SandboxCommand,
): Promise<RunReport> {
  const { sandbox, choice } = host.backends;
  const policy = host.engine.resolvePolicy(source, session);
  const status = await sandbox.create(sandboxConstraintsFromPolicy(policy));
  host.events.emit({
    type: 'sandbox_created',
    source,
    session,
    details: {
      step: 'sandbox',
      sandboxId: status.id,
      backend: choice.sandbox,
      constraints: status.constraints,
      policySandboxEnabled: policy.sandbox.enabled,
    },
  });
  let outcome: Omit<RunReport, 'sandbox'> | undefined;
  let failure: unknown;
  try {
    outcome = await runWithCredential(host, source, session, status, command);
  } catch (error) {
    failure = error;
  }
  const destroyed = await destroySandbox(host, source, session, status.id);
  if (outcome === undefined) throw failure;
  return {
    ...outcome,
    sandbox: { backend: choice.sandbox, id: status.id, constraints: status.constraints, destroyed },
  };
}

async function runWithCredential(
  host: HostContext,
  source: InjectionSource,
  session: string,
  status: SandboxStatus,
  command: SandboxCommand,
): Promise<Omit<RunReport, 'sandbox'>> {
  const { scope, ttl } = host.config.credentials;
  const subject = agentIdOf(source) ?? `session:${session}`;
  const credential = await host.backends.credentials.issue(scope, ttl, { subject });
  host.events.emit({
    type: 'credential_issued',
    source,
    session,
    details: {
      step: 'credential',
      id: credential.id,
      scope: credential.scope,
      expiresAt: credential.expiresAt,
      sandboxId: status.id,
    },
  });
  try {
    const result = await host.backends.sandbox.execute(status.id, command, {
      env: { [CREDENTIAL_ENV]: credential.token },
      maxOutputBytes: host.config.sandbox.maxOutputBytes,
    });
    const { stdout, stderr, exitCode, timedOut, truncated, durationMs } = result;
    const revoked = await revokeCredential(host, source, session, credential);
    return { stdout, stderr, exitCode, timedOut, truncated, durationMs, jitCredential: summary(credential, revoked) };
  } catch (error) {
    await revokeCredential(host, source, session, credential);
    throw error;
  }
}

async function revokeCredential(
  host: HostContext,
  source: InjectionSource,
  session: string,
  credential: JITCredential,
): Promise<boolean> {
  let revoked = true;
  let problem: string | undefined;
  try {
    await host.backends.credentials.revoke(credential.id);
  } catch (error) {
    // The credential still expires on its own; the event says it outlived the run.
    revoked = false;
    problem = error instanceof Error ? error.message : String(error);
  }
  host.events.emit({
    type: 'credential_revoked',
    source,
    session,
    details: { step: 'credential', id: credential.id, revoked, ...(problem === undefined ? {} : { problem }) },
  });
  return revoked;
}

async function destroySandbox(
  host: HostContext,
  source: InjectionSource,
  session: string,
  id: string,
): Promise<boolean> {
  let problem: string | undefined;
  try {
    await host.backends.sandbox.destroy(id);
  } catch (error) {
    // The backend's close() removes it at shutdown; the event records that it outlived the run.
    problem = error instanceof Error ? error.message : String(error);
  }
  host.events.emit({
    type: 'sandbox_destroyed',
    source,
    session,
    details: {
      step: 'sandbox',
      sandboxId: id,
      destroyed: problem === undefined,
      ...(problem === undefined ? {} : { problem }),
    },
  });
  return problem === undefined;
}

function summary(credential: JITCredential, revoked: boolean): RunReport['jitCredential'] {
  return { id: credential.id, scope: [...credential.scope], expiresAt: credential.expiresAt, revoked };
}
