/**
 * The audit page's verification, run one at a time. Verifying reads and hashes the whole log, and
 * holds it in memory while it does: a page view each starting its own would let a burst of page
 * views (or one operator's reloads) hold the log in memory as many times over.
 *
 * @module
 */

/**
 * Wraps `verify` so that at most one call runs at a time. A caller that arrives while one runs
 * waits for the next, which starts once the running one ends and answers every caller that waited
 * for it. So every caller gets a verification that started after it asked (a tampering made
 * before a page view is never hidden behind an older verdict), and a burst of callers costs two
 * verifications, not one each.
 */
export function oneVerificationAtATime<Report>(verify: () => Promise<Report>): () => Promise<Report> {
  let running: Promise<Report> | undefined;
  let next: Promise<Report> | undefined;
  const start = (): Promise<Report> => {
    const run = verify();
    running = run;
    const finished = (): void => {
      if (running === run) running = undefined;
    };
    run.then(finished, finished);
    return run;
  };
  return () => {
    if (next !== undefined) return next;
    if (running === undefined) return start();
    const waitFor = running;
    const queued = waitFor
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined;
        return start();
      });
    next = queued;
    return queued;
  };
}
