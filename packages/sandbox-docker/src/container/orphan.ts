/**
 * Removing a sandbox this instance does not track (an orphan of a crashed process), by exact id
 * and only when it is this owner's and no longer running.
 *
 * @module
 */
import type Docker from 'dockerode';
import { engineStatus, toWardenError } from '../errors.js';
import { SANDBOX_LABELS } from './labels.js';
import { removeContainer } from './sweep.js';

/** A full container id: the only reference by-id calls accept (never a prefix, never a name). */
const FULL_CONTAINER_ID = /^[0-9a-f]{64}$/;

/**
 * Removes the untracked container `id` only when it is a full container id (the engine would
 * resolve a prefix or a name to somebody else's container), carries `ownerId`'s labels, and is no
 * longer running: a running sandbox still has its owner attached, alive, in some other instance.
 */
export async function removeOwnedOrphan(docker: Docker, id: string, ownerId: string): Promise<void> {
  if (!FULL_CONTAINER_ID.test(id)) return;
  let inspected: Docker.ContainerInspectInfo;
  try {
    inspected = await docker.getContainer(id).inspect();
  } catch (error) {
    if (engineStatus(error) === 404) return;
    throw toWardenError(error, `inspecting sandbox ${id}`);
  }
  const labels = inspected.Config.Labels ?? {};
  if (inspected.Id !== id || labels[SANDBOX_LABELS.sandbox] === undefined) return;
  if (labels[SANDBOX_LABELS.owner] !== ownerId) return;
  if (inspected.State.Running || inspected.State.Restarting || inspected.State.Paused) return;
  await removeContainer(docker, id);
}
