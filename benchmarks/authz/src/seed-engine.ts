/**
 * The claude-flow seed's capability algebra, as its description reads (`CapabilityAlgebra` in
 * `shared/seeds/claude-flow-capabilities.js.txt`), written here for the comparison and not
 * copied: capabilities in a `Map` by id, an index agent → set of ids, and a `check` that scans
 * every capability the agent holds (skip revoked, expired, other scope, other resource unless
 * `'*'`, missing action unless `'*'`, unsatisfied constraints) and returns a new result object
 * with the matching capabilities and their constraints. Time comes from the check's clock (the
 * seed calls `Date.now()`; the stream gives each check its own time), and the seed's budget rule
 * (`budgetUsed >= limit` denies) and inclusive time window are what the workload expects.
 */
import { randomUUID } from 'node:crypto';
import type { Engine, LoadedEngine } from './engine.js';

interface SeedConstraint {
  type: string;
  params: Record<string, number>;
}

interface SeedCapability {
  id: string;
  scope: string;
  resource: string;
  actions: string[];
  constraints: SeedConstraint[];
  grantedBy: string;
  grantedTo: string;
  grantedAt: number;
  expiresAt: number | null;
  delegatable: boolean;
  revoked: boolean;
  revokedAt: number | null;
  attestations: unknown[];
  parentCapabilityId: string | null;
}

interface SeedCheckResult {
  allowed: boolean;
  capabilities: SeedCapability[];
  reason: string;
  constraints: SeedConstraint[];
}

class SeedStyleAlgebra {
  private readonly capabilities = new Map<string, SeedCapability>();
  private readonly agentIndex = new Map<string, Set<string>>();

  constructor(private readonly clock: { time: number }) {}

  grant(
    params: Omit<SeedCapability, 'id' | 'grantedAt' | 'revoked' | 'revokedAt' | 'attestations' | 'parentCapabilityId'>,
  ) {
    const capability: SeedCapability = {
      id: randomUUID(),
      scope: params.scope,
      resource: params.resource,
      actions: [...params.actions],
      constraints: params.constraints ? [...params.constraints] : [],
      grantedBy: params.grantedBy,
      grantedTo: params.grantedTo,
      grantedAt: this.clock.time,
      expiresAt: params.expiresAt ?? null,
      delegatable: params.delegatable ?? false,
      revoked: false,
      revokedAt: null,
      attestations: [],
      parentCapabilityId: null,
    };
    this.capabilities.set(capability.id, capability);
    const held = this.agentIndex.get(capability.grantedTo) ?? new Set<string>();
    held.add(capability.id);
    this.agentIndex.set(capability.grantedTo, held);
    return capability;
  }

  check(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context: Record<string, number>,
  ): SeedCheckResult {
    const ids = this.agentIndex.get(agentId);
    if (!ids || ids.size === 0) {
      return {
        allowed: false,
        capabilities: [],
        reason: `No capabilities found for agent "${agentId}"`,
        constraints: [],
      };
    }
    const now = this.clock.time;
    const matching: SeedCapability[] = [];
    const constraints: SeedConstraint[] = [];
    for (const id of ids) {
      const capability = this.capabilities.get(id);
      if (!capability || capability.revoked) continue;
      if (capability.expiresAt !== null && capability.expiresAt <= now) continue;
      if (capability.scope !== scope) continue;
      if (capability.resource !== resource && capability.resource !== '*') continue;
      if (!capability.actions.includes(action) && !capability.actions.includes('*')) continue;
      if (!this.satisfiesConstraints(capability, context, now)) continue;
      matching.push(capability);
      constraints.push(...capability.constraints);
    }
    if (matching.length === 0) {
      return {
        allowed: false,
        capabilities: [],
        reason: `No matching capability for agent "${agentId}" to "${action}" on ${scope}:${resource}`,
        constraints: [],
      };
    }
    return {
      allowed: true,
      capabilities: matching,
      reason: `Allowed by ${matching.length} capability(ies)`,
      constraints,
    };
  }

  private satisfiesConstraints(capability: SeedCapability, context: Record<string, number>, now: number): boolean {
    for (const constraint of capability.constraints) {
      if (constraint.type === 'time-window') {
        const { start, end } = constraint.params;
        if (start !== undefined && now < start) return false;
        if (end !== undefined && now > end) return false;
      } else if (constraint.type === 'budget') {
        const limit = constraint.params.limit;
        const used = context.budgetUsed;
        if (limit !== undefined && used !== undefined && used >= limit) return false;
      }
    }
    return true;
  }
}

/** The seed-style algebra: a scan of the agent's capabilities per check. */
export const seedStyleEngine: Engine = {
  name: 'seed-style algebra (scan)',
  checks: (workload) => workload.checks.n,
  load(workload): LoadedEngine {
    const clock = { time: 0 };
    const algebra = new SeedStyleAlgebra(clock);
    for (const grant of workload.grants) {
      algebra.grant({
        scope: grant.scope,
        resource: grant.resource,
        actions: grant.actions,
        constraints: grant.constraints,
        grantedBy: 'authority',
        grantedTo: grant.grantedTo,
        expiresAt: grant.expiresAt,
        delegatable: grant.delegatable,
      });
    }
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const context = { budgetUsed: 0 };
    const answer = (index: number): boolean => {
      clock.time = now[index] as number;
      context.budgetUsed = budgetUsed[index] as number;
      return algebra.check(
        AGENTS[agent[index] as number] as string,
        SCOPES[scope[index] as number] as string,
        RESOURCES[resource[index] as number] as string,
        ACTIONS[action[index] as number] as string,
        context,
      ).allowed;
    };
    return {
      run(from, to) {
        let mismatches = 0;
        for (let index = from; index < to; index++) if ((answer(index) ? 1 : 0) !== expected[index]) mismatches++;
        return mismatches;
      },
      time(from, to, milliseconds) {
        let mismatches = 0;
        for (let index = from; index < to; index++) {
          const started = performance.now();
          const allowed = answer(index);
          milliseconds[index - from] = performance.now() - started;
          if ((allowed ? 1 : 0) !== expected[index]) mismatches++;
        }
        return mismatches;
      },
    };
  },
};
