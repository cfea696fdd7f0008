/**
 * Yielding to the event loop during a long verification, so that a process verifying a large log
 * of its own (an operator console's page) keeps serving meanwhile.
 *
 * @module
 */

/** Entries a verification handles between two yields to the event loop. */
export const ENTRIES_PER_TURN = 4096;

/** Resolves on a later turn of the event loop, after pending I/O callbacks and timers ran. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
