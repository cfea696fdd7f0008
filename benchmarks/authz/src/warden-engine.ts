/**
 * Warden's capability algebra on the workload. The stream gives each check its own time: the
 * algebra reads time only from its `now` clock, so the benchmark's clock returns a variable that
 * the loop sets before each check (no allocation). `budgetUsed` goes in one reused context object.
 */
import { type CapabilityAlgebra, createCapabilityAlgebra, type GrantCapabilityParams } from '@warden/core';
import type { Engine, LoadedEngine } from './engine.js';
import type { Workload } from './workload.js';

/** A loaded algebra and the clock variable it reads. */
export interface Harness {
  algebra: CapabilityAlgebra;
  clock: { time: number };
}

/** Grants the workload into a new algebra whose clock returns `clock.time`. */
export function loadAlgebra(workload: Workload): Harness {
  const clock = { time: 0 };
  const algebra = createCapabilityAlgebra({ now: () => clock.time });
  for (const grant of workload.grants) {
    const params: GrantCapabilityParams = {
      scope: grant.scope,
      resource: grant.resource,
      actions: grant.actions,
      constraints: grant.constraints,
      grantedBy: 'authority',
      grantedTo: grant.grantedTo,
      expiresAt: grant.expiresAt,
      delegatable: grant.delegatable,
    };
    algebra.grant(params);
  }
  return { algebra, clock };
}

/** `check(...)`: the full result (frozen, cached), as the target names it. */
export const wardenCheckEngine: Engine = {
  name: 'warden algebra check()',
  checks: (workload) => workload.checks.n,
  load(workload): LoadedEngine {
    const { algebra, clock } = loadAlgebra(workload);
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const context = { budgetUsed: 0 };
    return {
      run(from, to) {
        let mismatches = 0;
        for (let index = from; index < to; index++) {
          clock.time = now[index] as number;
          context.budgetUsed = budgetUsed[index] as number;
          const result = algebra.check(
            AGENTS[agent[index] as number] as string,
            SCOPES[scope[index] as number] as string,
            RESOURCES[resource[index] as number] as string,
            ACTIONS[action[index] as number] as string,
            context,
          );
          if ((result.allowed ? 1 : 0) !== expected[index]) mismatches++;
        }
        return mismatches;
      },
      time(from, to, milliseconds) {
        let mismatches = 0;
        for (let index = from; index < to; index++) {
          const agentId = AGENTS[agent[index] as number] as string;
          const scopeName = SCOPES[scope[index] as number] as string;
          const resourceName = RESOURCES[resource[index] as number] as string;
          const actionName = ACTIONS[action[index] as number] as string;
          clock.time = now[index] as number;
          context.budgetUsed = budgetUsed[index] as number;
          const started = performance.now();
          const result = algebra.check(agentId, scopeName, resourceName, actionName, context);
          milliseconds[index - from] = performance.now() - started;
          if ((result.allowed ? 1 : 0) !== expected[index]) mismatches++;
        }
        return mismatches;
      },
    };
  },
};

/** `isAllowed(...)`: the boolean fast path that stops at the first allowing capability. */
export const wardenIsAllowedEngine: Engine = {
  name: 'warden algebra isAllowed()',
  checks: (workload) => workload.checks.n,
  load(workload): LoadedEngine {
    const { algebra, clock } = loadAlgebra(workload);
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const context = { budgetUsed: 0 };
    return {
      run(from, to) {
        let mismatches = 0;
        for (let index = from; index < to; index++) {
          clock.time = now[index] as number;
          context.budgetUsed = budgetUsed[index] as number;
          const allowed = algebra.isAllowed(
            AGENTS[agent[index] as number] as string,
            SCOPES[scope[index] as number] as string,
            RESOURCES[resource[index] as number] as string,
            ACTIONS[action[index] as number] as string,
            context,
          );
          if ((allowed ? 1 : 0) !== expected[index]) mismatches++;
        }
        return mismatches;
      },
      time(from, to, milliseconds) {
        let mismatches = 0;
        for (let index = from; index < to; index++) {
          const agentId = AGENTS[agent[index] as number] as string;
          const scopeName = SCOPES[scope[index] as number] as string;
          const resourceName = RESOURCES[resource[index] as number] as string;
          const actionName = ACTIONS[action[index] as number] as string;
          clock.time = now[index] as number;
          context.budgetUsed = budgetUsed[index] as number;
          const started = performance.now();
          const allowed = algebra.isAllowed(agentId, scopeName, resourceName, actionName, context);
          milliseconds[index - from] = performance.now() - started;
          if ((allowed ? 1 : 0) !== expected[index]) mismatches++;
        }
        return mismatches;
      },
    };
  },
};
