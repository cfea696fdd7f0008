/**
 * Telling the issuers' `events` emitter: after GitHub has acted, so the emitter never decides
 * the outcome.
 *
 * @module
 */
import type { SecurityEventEmitter, SecurityEventInput } from '@warden/core';

/**
 * Emits `event` on `events`, ignoring an emitter that throws (a custom one, a broken audit
 * pipe). Events follow what GitHub did: letting the emitter's failure through would make
 * `issue` throw with a live token the caller never gets, `revoke` throw for a credential it
 * revoked, and `sweep` report as alive what it removed.
 */
export function tellEvents(events: SecurityEventEmitter | undefined, event: SecurityEventInput): void {
  try {
    events?.emit(event);
  } catch {
    // The emitter's own failure: what GitHub did is what the caller must learn.
  }
}
