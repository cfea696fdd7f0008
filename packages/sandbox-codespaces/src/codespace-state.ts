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

const STATE_MAP: Readonly<Record<CodespaceState, SandboxState>> = Object.freeze({
  Created: 'creating',
  Queued: 'creating',
  Provisioning: 'creating',
  Starting: 'creating',
  Awaiting: 'creating',
  Rebuilding: 'creating',
  Updating: 'creating',
  Available: 'running',
  ShuttingDown: 'stopped',
  Shutdown: 'stopped',
  Exporting: 'stopped',
  Archived: 'stopped',
  Moved: 'stopped',
  Deleted: 'destroyed',
  Failed: 'error',
  Unavailable: 'error',
  Unknown: 'error',
});

/**
 * Maps a codespace state onto the sandbox lifecycle. Every state GitHub lists maps to something
 * deliberate; a state GitHub adds later maps to `error`, so it is never mistaken for `running`.
 */
export function toSandboxState(state: string): SandboxState {
  return Object.hasOwn(STATE_MAP, state) ? STATE_MAP[state as CodespaceState] : 'error';
}
