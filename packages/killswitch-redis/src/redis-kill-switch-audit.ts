import { emitSafely, type SecurityEventEmitter } from '@warden/core';
import type { HistoryVerdict } from './redis-kill-switch-history.js';
import type { TrustedState } from './redis-kill-switch-local-copy.js';
import { observedChanges } from './redis-kill-switch-observed.js';
import { type KillSwitchRecord, sameChange } from './redis-kill-switch-record.js';
import type { KillSwitchChange } from './redis-kill-switch-script.js';

/** What the audit trail of one instance needs. */
export interface KillSwitchAuditOptions {
  /** The switch's name, in every event. */
  name: string;
  /** Where events go; without it nothing is reported. */
  events: SecurityEventEmitter | undefined;
  /** How many history entries Redis keeps (so how many own versions are worth remembering). */
  historyLimit: number;
  /** Told about a history read that failed and listener exceptions. */
  onError: (error: unknown) => void;
  /** Reads the history as written, newest first; throws when Redis does not answer. */
  readHistory: () => Promise<KillSwitchRecord[]>;
  /** With `verifyKey`, what each history entry proves; `undefined` without it. */
  judgeHistory: (records: readonly KillSwitchRecord[]) => Map<KillSwitchRecord, HistoryVerdict> | undefined;
  /** With `verifyKey`, whether a record is signed by the operator; `undefined` without it. */
  isSigned: ((record: KillSwitchRecord) => boolean) | undefined;
}

/** Kinds of event an instance emits. */
type AuditEventType = 'kill_switch_activated' | 'kill_switch_deactivated' | 'policy_warning';

/**
 * One instance's audit trail: its own changes, and (with `observed: true`) the changes it sees
 * made elsewhere, from the shared history up to the record it took.
 */
export class KillSwitchAudit {
  /** Newest change this instance has put into its audit trail (its own or observed). */
  private auditedVersion = 0;
  /** Versions this instance wrote itself (not to be reported again as observed). */
  private readonly ownVersions = new Set<number>();
  private auditing: Promise<void> = Promise.resolve();

  /** @param options where events go and how to read the history */
  constructor(private readonly options: KillSwitchAuditOptions) {}

  /**
   * Remembers a version this instance wrote, so auditing what it observes skips it. Only the
   * newest `historyLimit` are kept: an older one of its own can no longer be in the history read.
   */
  rememberOwnVersion(version: number): void {
    if (!this.options.events) return;
    this.ownVersions.add(version);
    if (this.ownVersions.size <= this.options.historyLimit) return;
    const oldest = this.ownVersions.values().next().value;
    if (oldest !== undefined) this.ownVersions.delete(oldest);
  }

  /** Counts changes up to `version` as reported (what the first read found is not a change). */
  skipTo(version: number): void {
    this.auditedVersion = Math.max(this.auditedVersion, version);
  }

  /** Reports a state taken from elsewhere when it differs from the previous one. */
  observe(previous: TrustedState, state: TrustedState): void {
    if (!this.options.events) return;
    const after = state.kind === 'known' ? state.record : undefined;
    const before = previous.kind === 'known' ? previous.record : undefined;
    if (previous.kind === state.kind && (after ? sameChange(before, after) : previous.kind === 'unknown')) return;
    if (after) this.auditObserved(after);
    else if (state.kind === 'unknown') this.emitEvent(true, { observed: true, unknown: true, reason: state.why });
  }

  /** Reports a change this instance made (`scope` `'global'`, or `'local'` when Redis was not reached). */
  emit(change: KillSwitchChange, details: { scope: 'global' | 'local'; version?: number }): void {
    this.emitEvent(change.active, { ...change, ...details });
  }

  /** Emits one event; a listener's exception goes to `onError`, never to the caller. */
  safeEmit(event: { type: AuditEventType; details: Record<string, unknown> }): void {
    emitSafely(this.options.events, event, this.options.onError);
  }

  private emitEvent(active: boolean, details: Record<string, unknown>): void {
    this.safeEmit({
      type: active ? 'kill_switch_activated' : 'kill_switch_deactivated',
      details: { name: this.options.name, scope: 'global', ...details },
    });
  }

  /**
   * Puts changes made elsewhere into this host's audit trail (see {@link observedChanges}): the
   * history entries since the last one reported, then the record taken.
   */
  private auditObserved(record: KillSwitchRecord): void {
    this.auditing = this.auditing.then(async () => {
      const history = record.version > this.auditedVersion ? await this.readHistory() : [];
      const verdicts = this.options.judgeHistory(history);
      for (const change of observedChanges(history, record, this.auditedVersion)) {
        // The record taken is judged as the read judged it; history entries by their neighbours.
        this.auditChange(change, change === record ? undefined : verdicts?.get(change));
      }
      this.auditedVersion = record.version;
      for (const version of this.ownVersions) if (version <= this.auditedVersion) this.ownVersions.delete(version);
    });
  }

  /** The history as written; empty (told to `onError`) when Redis does not answer. */
  private async readHistory(): Promise<KillSwitchRecord[]> {
    try {
      return await this.options.readHistory();
    } catch (error) {
      this.options.onError(error);
      return [];
    }
  }

  /**
   * Reports one change seen from elsewhere, unless this instance made it. With `verifyKey` the
   * event says whether the operator signed it (for a history entry: signed and consistent with
   * the entries before it, see `judgeHistory`) and whether this instance held it as the
   * state (`tookEffect`); a release not signed so is not reported: it released no instance, and
   * its actor is whatever the writer typed (or it lost its race and was swapped in).
   */
  private auditChange(change: KillSwitchRecord, verdict: HistoryVerdict | undefined): void {
    if (this.ownVersions.delete(change.version)) return;
    const isSigned = this.options.isSigned;
    const judged = isSigned ? (verdict ?? { signed: isSigned(change), tookEffect: true }) : undefined;
    if (judged?.signed === false && !change.active) return;
    const { signature: _signature, basis: _basis, ...details } = change;
    this.emitEvent(change.active, { observed: true, ...details, ...(judged ?? {}) });
  }
}
