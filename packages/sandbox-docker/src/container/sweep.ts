/**
 * Finding and removing Warden sandboxes by their labels: the startup sweep of orphans left by a
 * crashed process, and `cleanupAllSandboxes()`. Containers without Warden's labels, or with
 * another owner's, are never touched.
 *
 * @module
 */
import type Docker from 'dockerode';
import { engineStatus, toWardenError } from '../errors.js';
import { ownerLabelFilter, SANDBOX_LABELS } from './labels.js';

/** States of a container whose owner is gone: it stopped when the owner's attached stream closed. */
const STOPPED_STATES = new Set(['exited', 'dead']);

/** Which containers {@link sweepOrphanedSandboxes} may remove. */
export interface OrphanSweep {
  /** Only this owner's containers. */
  ownerId: string;
  /** Containers the caller manages, never removed. */
  keep: ReadonlySet<string>;
  /** A never-started container counts as orphaned only when created before this time (epoch ms). */
  createdBefore: number;
}

function isOrphan(container: Docker.ContainerInfo, sweep: OrphanSweep): boolean {
  if (sweep.keep.has(container.Id)) return false;
  if (STOPPED_STATES.has(container.State)) return true;
  const createdAt = Date.parse(container.Labels?.[SANDBOX_LABELS.createdAt] ?? '');
  return container.State === 'created' && Number.isFinite(createdAt) && createdAt < sweep.createdBefore;
}

/** Lists this owner's Warden sandbox containers, running or not. */
export async function listOwnedContainers(docker: Docker, ownerId: string): Promise<Docker.ContainerInfo[]> {
  try {
    const containers = await docker.listContainers({ all: true, filters: ownerLabelFilter(ownerId) });
    // The engine filtered already; checking again keeps a lax engine or proxy from widening the match.
    return containers.filter(
      (container) =>
        container.Labels?.[SANDBOX_LABELS.sandbox] !== undefined &&
        container.Labels?.[SANDBOX_LABELS.owner] === ownerId,
    );
  } catch (error) {
    throw toWardenError(error, 'listing sandboxes');
  }
}

/** Force-removes a container; one that is already gone or being removed counts as removed. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = engineStatus(error);
    if (status === 404 || (status === 409 && /already in progress/i.test(String(error)))) return;
    throw toWardenError(error, `removing sandbox ${id}`);
  }
}

/**
 * Removes this owner's Warden containers that are no longer running (orphans of a crashed
 * process), except those the caller keeps. Returns the ids removed.
 */
export async function sweepOrphanedSandboxes(docker: Docker, sweep: OrphanSweep): Promise<string[]> {
  const orphans = (await listOwnedContainers(docker, sweep.ownerId)).filter((container) => isOrphan(container, sweep));
  await Promise.all(orphans.map((container) => removeContainer(docker, container.Id)));
  return orphans.map((container) => container.Id);
}

/** Removes every Warden container of this owner, running or not. Returns the ids removed. */
export async function removeOwnedSandboxes(docker: Docker, ownerId: string): Promise<string[]> {
  const owned = await listOwnedContainers(docker, ownerId);
  await Promise.all(owned.map((container) => removeContainer(docker, container.Id)));
  return owned.map((container) => container.Id);
}
