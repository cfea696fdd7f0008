import type { KillSwitchRecord } from './redis-kill-switch-record.js';

/**
 * The changes made elsewhere that an instance reports when it takes `observed`, the record it now
 * holds: the history entries between the last change it reported (`auditedVersion`) and
 * `observed`, oldest first (so a stop and a release in quick succession are both reported), then
 * `observed` itself, taken from the record and not from its history entry.
 *
 * Anyone who can `LPUSH` writes the history, so an entry only fills the gap below a record the
 * instance holds: one numbered above it can neither be reported nor move `auditedVersion` past
 * later changes (which would hide them). When `observed` is not newer than what was reported,
 * the versions went back (a data loss, or tampering): only `observed` is reported.
 *
 * @param history entries as read, newest first
 */
export function observedChanges(
  history: readonly KillSwitchRecord[],
  observed: KillSwitchRecord,
  auditedVersion: number,
): KillSwitchRecord[] {
  if (observed.version <= auditedVersion) return [observed];
  const changes: KillSwitchRecord[] = [];
  let last = auditedVersion;
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const entry = history[index];
    if (!entry || entry.version <= last || entry.version >= observed.version) continue;
    changes.push(entry);
    last = entry.version;
  }
  changes.push(observed);
  return changes;
}
