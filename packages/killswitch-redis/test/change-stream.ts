/**
 * The kill switch's change stream, as tests write and read it: every change script appends the
 * record it wrote there, and every instance follows it in `XREAD BLOCK`.
 *
 * @module
 */
import type { Redis } from 'ioredis';

/**
 * Appends an entry as anyone who can write the switch's keys could (a forger, or a test asking
 * every instance to re-read): it is only a hint unless it holds a record an instance may take.
 */
export function appendChange(redis: Redis, changesKey: string, payload: string): Promise<string | null> {
  return redis.xadd(changesKey, '*', 'record', payload);
}

/** The records the change script appended (as JSON), oldest first. */
export async function readChanges(redis: Redis, changesKey: string): Promise<string[]> {
  const entries = await redis.xrange(changesKey, '-', '+');
  return entries.map(([, fields]) => fields[fields.indexOf('record') + 1] ?? '');
}
