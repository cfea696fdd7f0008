import type { ForwardResult } from './gateway-types.js';

/** Where delivery of an approved request stands in this gateway. */
type ExecutionState = 'awaiting-execution' | 'executing' | 'executed' | 'failed';

/** One remembered delivery. */
interface ExecutionEntry {
  /** Where it stands. */
  state: ExecutionState;
  /** The outcome, once delivered or failed. */
  result?: ForwardResult;
}

/** Remembers deliveries so that each approved request is delivered at most once. Bounded. */
export interface ExecutionLedger {
  /** The entry for a request, if remembered. */
  get(requestId: string): ExecutionEntry | undefined;
  /** Records an entry, dropping the oldest finished ones beyond the bound. */
  set(requestId: string, entry: ExecutionEntry): void;
  /**
   * Moves a request from `awaiting-execution` to `executing` and returns true, or returns false
   * when it is in any other state. Synchronous, so two concurrent callers can never both win.
   */
  claim(requestId: string): boolean;
}

/** Creates a ledger remembering at most `maxEntries` requests (entries being delivered are never dropped). */
export function createExecutionLedger(maxEntries: number): ExecutionLedger {
  const entries = new Map<string, ExecutionEntry>();
  const trim = (): void => {
    for (const [requestId, entry] of entries) {
      if (entries.size <= maxEntries) return;
      if (entry.state !== 'executing') entries.delete(requestId);
    }
  };
  return {
    get: (requestId) => entries.get(requestId),
    set(requestId, entry) {
      entries.delete(requestId);
      entries.set(requestId, entry);
      trim();
    },
    claim(requestId) {
      if (entries.get(requestId)?.state !== 'awaiting-execution') return false;
      entries.set(requestId, { state: 'executing' });
      return true;
    },
  };
}
