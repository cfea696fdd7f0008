/**
 * A sandbox's status as the `Sandbox` port reports it, from the adapter's record and the
 * engine's inspected container state.
 *
 * @module
 */
import type { SandboxStatus } from '@warden/core';
import type Docker from 'dockerode';
import type { SandboxRecord } from './start.js';

/** Maps an inspected container state to the port's lifecycle. */
export function stateOf(
  record: SandboxRecord,
  state: Docker.ContainerInspectInfo['State'],
): Pick<SandboxStatus, 'state' | 'error'> {
  if (state.Status === 'running' && record.supervisor.isOpen) return { state: 'running' };
  if (state.Status === 'created' || state.Status === 'restarting') return { state: 'creating' };
  if (state.Status === 'paused') return { state: 'stopped' };
  if (state.Status === 'removing') return { state: 'destroyed' };
  const reason = state.OOMKilled ? ', out of memory' : '';
  return { state: 'error', error: `The sandbox container is ${state.Status} (exit code ${state.ExitCode}${reason})` };
}

/** The port's status of `record` in `state` (the constraints copied, so callers cannot change them). */
export function statusOf(record: SandboxRecord, state: Pick<SandboxStatus, 'state' | 'error'>): SandboxStatus {
  return { id: record.id, createdAt: record.createdAt, constraints: structuredClone(record.constraints), ...state };
}
