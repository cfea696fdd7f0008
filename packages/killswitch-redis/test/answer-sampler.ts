import type { KillSwitch } from '@warden/core';

/** What one instance answered while a fault was going on. */
export interface AnswerTally {
  /** Answers `true` (deny). */
  active: number;
  /** Answers `false` (allow): a fault test expects none. */
  inactive: number;
}

/**
 * Asks every instance `isActive()` on every turn of the event loop (a `setImmediate` chain, so
 * pub/sub messages and re-reads still get their turn) until `stop()`, and counts the answers:
 * the fault tests require that no instance ever answers "inactive" while Redis says active.
 */
export function sampleAnswers(instances: readonly KillSwitch[]): { stop: () => Promise<AnswerTally[]> } {
  const tallies: AnswerTally[] = instances.map(() => ({ active: 0, inactive: 0 }));
  let running = true;
  const loop = (async () => {
    while (running) {
      const answers = await Promise.all(instances.map((instance) => instance.isActive()));
      answers.forEach((answer, index) => {
        const tally = tallies[index];
        if (tally) tally[answer ? 'active' : 'inactive'] += 1;
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return tallies;
    },
  };
}
