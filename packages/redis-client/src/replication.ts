/**
 * How Warden's Redis backends keep a write through a failover: on a replicated topology a write
 * counts only once `minReplicaAcks` replicas hold it (Redis `WAIT`).
 *
 * @module
 */
import { z } from 'zod';
import type { RedisTopology } from './config.js';

/** The `minReplicaAcks` setting: how many replicas must acknowledge a write. */
export const minReplicaAcksSchema: z.ZodType<number> = z.number().int().min(0).max(100);

/**
 * Replicas a write must reach before it counts: the number chosen, else 1 on Sentinel (a failover
 * promotes a replica) and 0 on a single Redis; always 0 on Cluster, where `WAIT` has no key to be
 * routed by.
 */
export function replicaAcksFor(topology: RedisTopology, chosen: number | undefined): number {
  if (topology === 'cluster') return 0;
  return chosen ?? (topology === 'sentinel' ? 1 : 0);
}

/** How long `WAIT` may block: just under the command timeout, so its answer arrives before the command fails. */
export function waitBudgetMs(commandTimeoutMs: number): number {
  return Math.max(1, commandTimeoutMs - 100);
}

/** The replica count in a `WAIT` reply; anything but a non-negative integer (a proxy's garbage) acknowledges nothing. */
export function acknowledgedReplicas(reply: unknown): number {
  return Number.isSafeInteger(reply) && (reply as number) >= 0 ? (reply as number) : 0;
}
