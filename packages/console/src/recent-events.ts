/**
 * An audit source for hosts without a signed audit log: the latest events an emitter sent.
 *
 * @module
 */
import type { SecurityEvent, SecurityEventEmitter } from '@warden/core';
import type { ConsoleAuditSource } from './config.js';

/** Configuration of {@link createRecentEventsAuditSource}. */
export interface RecentEventsAuditSourceConfig {
  /** The host's event emitter. */
  events: SecurityEventEmitter;
  /** How many events are kept (the oldest are dropped). @default 1000 */
  maxEvents?: number;
}

/** A {@link ConsoleAuditSource} over recent events, unsigned and unverified; `close()` stops listening. */
export interface RecentEventsAuditSource extends ConsoleAuditSource {
  /** Stops listening to the emitter. */
  close(): void;
}

/**
 * Keeps the latest events `events` emits, for the console's audit page. It signs nothing, so
 * the page says the log cannot be verified: use `createAuditLog` from `@warden/audit` for that.
 */
export function createRecentEventsAuditSource(config: RecentEventsAuditSourceConfig): RecentEventsAuditSource {
  const maxEvents = config.maxEvents ?? 1000;
  const kept: SecurityEvent[] = [];
  let dropped = 0;
  const listener = (event: SecurityEvent) => {
    kept.push(event);
    if (kept.length > maxEvents) {
      kept.shift();
      dropped++;
    }
  };
  config.events.on('security', listener);
  return {
    async size() {
      return dropped + kept.length;
    },
    async entry(index: number) {
      const event = kept[index - dropped];
      if (event === undefined)
        return { seq: index, event: { type: 'policy_warning', timestamp: 0, details: { dropped: true } } };
      return { seq: index, event };
    },
    close() {
      config.events.off('security', listener);
    },
  };
}
