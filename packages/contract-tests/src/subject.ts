import { afterEach } from 'vitest';
import type { ContractOptions } from './types.js';

/**
 * Returns a function that creates the subject for the current test and registers its cleanup,
 * so cleanup runs even when the test fails.
 */
export function useSubject<Subject>(options: ContractOptions<Subject, object>): () => Promise<Subject> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    const pending = cleanups.splice(0);
    for (const cleanup of pending.reverse()) await cleanup();
  });
  return async () => {
    const { subject, cleanup } = await options.createSubject();
    cleanups.push(cleanup);
    return subject;
  };
}
