/**
 * Where `check()` spends what `isAllowed()` does not: the checks of the stream grouped by outcome
 * (how many of the agent's capabilities cover the scope and resource, and how many of them allow),
 * each group timed with both calls on the same algebra, alternately. Run with
 * `WARDEN_BENCH_BREAKDOWN=1`; it prints the table and the weighted difference per check.
 *
 * Groups are computed from the workload's grants (public data), not from the algebra's internals.
 */

import { loadAlgebra } from './warden-engine.js';
import type { Workload } from './workload.js';

const PASSES = 7;
/** Groups holding fewer of the stream's checks are merged into "other". */
const MIN_SHARE = 0.01;

/** Prints, per outcome group, the nanoseconds per check of `check()` and of `isAllowed()`. */
export function printBreakdown(workload: Workload): void {
  const { algebra, clock } = loadAlgebra(workload);
  const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
  const checks = workload.checks;
  const context = { budgetUsed: 0 };
  const covering = coveringCounts(workload);
  const groups = new Map<string, number[]>();
  for (let index = 0; index < checks.n; index++) {
    clock.time = checks.now[index] as number;
    context.budgetUsed = checks.budgetUsed[index] as number;
    const result = algebra.check(
      AGENTS[checks.agent[index] as number] as string,
      SCOPES[checks.scope[index] as number] as string,
      RESOURCES[checks.resource[index] as number] as string,
      ACTIONS[checks.action[index] as number] as string,
      context,
    );
    const allowing = result.allowed ? `${atMost(result.capabilities.length, 2)} allowing` : 'denied';
    const label = `${atMost(covering(index), 3)} covering, ${allowing}`;
    const members = groups.get(label) ?? [];
    members.push(index);
    groups.set(label, members);
  }
  const merged = new Map<string, number[]>();
  for (const [label, members] of groups) {
    const key = members.length >= checks.n * MIN_SHARE ? label : 'other';
    merged.set(key, [...(merged.get(key) ?? []), ...members]);
  }

  const time = (which: 'check' | 'isAllowed', members: Int32Array): number => {
    const started = process.hrtime.bigint();
    let allowed = 0;
    for (let position = 0; position < members.length; position++) {
      const index = members[position] as number;
      clock.time = checks.now[index] as number;
      context.budgetUsed = checks.budgetUsed[index] as number;
      const agent = AGENTS[checks.agent[index] as number] as string;
      const scope = SCOPES[checks.scope[index] as number] as string;
      const resource = RESOURCES[checks.resource[index] as number] as string;
      const action = ACTIONS[checks.action[index] as number] as string;
      const answer =
        which === 'check'
          ? algebra.check(agent, scope, resource, action, context).allowed
          : algebra.isAllowed(agent, scope, resource, action, context);
      if (answer) allowed++;
    }
    // Used, so that the answers cannot be optimized away.
    if (allowed < 0) throw new Error('A count of allowed checks cannot be negative');
    return Number(process.hrtime.bigint() - started) / members.length;
  };

  const everything = Int32Array.from({ length: checks.n }, (_, index) => index);
  time('check', everything);
  time('isAllowed', everything);
  console.log('\n| outcome | share | check() ns | isAllowed() ns | difference ns |\n| --- | --- | --- | --- | --- |');
  let weighted = 0;
  for (const [label, members] of [...merged].sort(([left], [right]) => left.localeCompare(right))) {
    const indexes = Int32Array.from(members);
    let check = Number.POSITIVE_INFINITY;
    let isAllowed = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < PASSES; pass++) {
      check = Math.min(check, time('check', indexes));
      isAllowed = Math.min(isAllowed, time('isAllowed', indexes));
    }
    const share = members.length / checks.n;
    weighted += share * (check - isAllowed);
    console.log(
      `| ${label} | ${(share * 100).toFixed(1)} % | ${check.toFixed(0)} | ${isAllowed.toFixed(0)} | ${(check - isAllowed).toFixed(0)} |`,
    );
  }
  console.log(
    `check() costs ${weighted.toFixed(0)} ns per check more than isAllowed(), weighted by the stream (best of ${PASSES} alternating passes per group)`,
  );
}

/** `count` as a label, with `+` at the cap: `atMost(4, 3)` is `'3+'`. */
function atMost(count: number, cap: number): string {
  return count >= cap ? `${cap}+` : String(count);
}

/** For each check of the stream: how many of its agent's grants cover its scope and resource. */
function coveringCounts(workload: Workload): (index: number) => number {
  const { AGENTS, SCOPES, RESOURCES } = workload.tables;
  const counts = new Map<string, number>();
  for (const grant of workload.grants) {
    const key = `${grant.grantedTo}\u0000${grant.scope}\u0000${grant.resource}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const checks = workload.checks;
  return (index) => {
    const agent = AGENTS[checks.agent[index] as number] as string;
    const scope = SCOPES[checks.scope[index] as number] as string;
    const resource = RESOURCES[checks.resource[index] as number] as string;
    return (
      (counts.get(`${agent}\u0000${scope}\u0000${resource}`) ?? 0) + (counts.get(`${agent}\u0000${scope}\u0000*`) ?? 0)
    );
  };
}
