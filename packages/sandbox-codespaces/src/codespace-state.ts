/**
 * GitHub's codespace states and what each one means for a sandbox.
 *
 * @module
 */
import type { SandboxState } from '@warden/core';

/** Every codespace state GitHub's REST API lists (spelled as GitHub spells them: `Shutdown`, not `ShutDown`). */
export type CodespaceState =
  | 'Unknown'
  | 'Created'
  | 'Queued'
  | 'Provisioning'
  | 'Available'
  | 'Awaiting'
  | 'Unavailable'
  | 'Deleted'
  | 'Moved'
  | 'Shutdown'
  | 'Archived'
  | 'Starting'
  | 'ShuttingDown'
  | 'Failed'
  | 'Exporting'
  | 'Updating'
  | 'Rebuilding';

/** How each codespace state maps onto the sandbox lifecycle. */
export const CODESPACE_STATE_MAP: Readonly<Record<CodespaceState, SandboxState>> = Object.freeze({
  // On the way to Available (or back to it, for a rebuild or update): commands cannot run yet.
  Created: 'creating',
  Queued: 'creating',
  Provisioning: 'creating',
  Starting: 'creating',
  Awaiting: 'creating',
  Rebuilding: 'creating',
  Updating: 'creating',
  // The only state in which commands run.
  Available: 'running',
  // Not running, but still there (and billed for storage) until deleted.
  ShuttingDown: 'stopped',
  Shutdown: 'stopped',
  Exporting: 'stopped',
  Archived: 'stopped',
  Moved: 'stopped',
  Deleted: 'destroyed',
  // Broken or unknown: never mistaken for running.
  Failed: 'error',
  Unavailable: 'error',
  Unknown: 'error',
});

/**
 * Maps a codespace state onto the sandbox lifecycle. Every state GitHub lists maps to something
 * deliberate; a state GitHub adds later maps to `error`, so it is never mistaken for `running`.
 */
export function toSandboxState(state: string): SandboxState {
  return Object.hasOwn(CODESPACE_STATE_MAP, state) ? CODESPACE_STATE_MAP[state as CodespaceState] : 'error';
}
