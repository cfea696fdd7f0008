import { describe, expect, it } from 'vitest';
import { acknowledgedReplicas, minReplicaAcksSchema, replicaAcksFor, waitBudgetMs } from './replication.js';

describe('replicaAcksFor(topology, chosen)', () => {
  it('is the number chosen, else 1 on Sentinel and 0 on a single Redis; always 0 on Cluster', () => {
    expect(replicaAcksFor('sentinel', undefined)).toBe(1);
    expect(replicaAcksFor('single', undefined)).toBe(0);
    expect(replicaAcksFor('sentinel', 0)).toBe(0);
    expect(replicaAcksFor('single', 2)).toBe(2);
    expect(replicaAcksFor('cluster', 2)).toBe(0);
  });

  it('accepts as a setting only a whole number from 0 to 100', () => {
    expect(minReplicaAcksSchema.safeParse(3).success).toBe(true);
    for (const bad of [-1, 1.5, 101, '1']) expect(minReplicaAcksSchema.safeParse(bad).success).toBe(false);
  });
});

describe('waitBudgetMs(commandTimeoutMs)', () => {
  it('leaves WAIT time to answer before the command times out, and at least 1 ms', () => {
    expect(waitBudgetMs(1_000)).toBe(900);
    expect(waitBudgetMs(50)).toBe(1);
  });
});

describe('acknowledgedReplicas(reply)', () => {
  it('reads a non-negative integer; anything else acknowledges nothing', () => {
    expect(acknowledgedReplicas(2)).toBe(2);
    for (const garbage of ['1', Number.NaN, 1.5, -1, null, [1], 'OK']) expect(acknowledgedReplicas(garbage)).toBe(0);
  });
});
