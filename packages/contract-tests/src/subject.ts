import { afterEach } from 'vitest';
import type { ContractOptions, ContractSubject } from './types.js';

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

/** Opens another instance of the same backend as `subject`, as a second process would. */
export type CreatePeer<Subject> = (subject: Subject) => Promise<ContractSubject<Subject>>;

/**
 * Returns a function that opens a second instance of the current test's subject and registers
 * its cleanup, so it runs after the test even when the test fails.
 */
export function usePeer<Subject>(
  label: string,
  createPeer: CreatePeer<Subject> | undefined,
): (subject: Subject) => Promise<Subject> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    const pending = cleanups.splice(0);
    for (const cleanup of pending.reverse()) await cleanup();
  });
  return async (subject) => {
    if (!createPeer) throw new Error(`${label}: crossInstance needs createPeer`);
    const peer = await createPeer(subject);
    cleanups.push(peer.cleanup);
    return peer.subject;
  };
}
