/**
 * casbin on the workload: one enforcer per agent (a single enforcer over all 20,000 grants answers
 * about 26 checks per second, per the workload's README). Each grant action becomes one policy
 * line `scope, resource, action, start, end, limit`; the matcher compares the request's time and
 * budget with them. casbin is slow, so it answers a fixed prefix of the stream (see
 * `SLOW_ENGINE_CHECKS`), with `enforceSync`.
 */
import { type Enforcer, newEnforcer, newModelFromString } from 'casbin';
import { type Engine, type LoadedEngine, SLOW_ENGINE_CHECKS } from './engine.js';
import type { NormalizedGrant, Workload } from './workload.js';

const MODEL = `
[request_definition]
r = scope, res, act, now, budget

[policy_definition]
p = scope, res, act, start, end, limit

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.scope == p.scope && (p.res == "*" || r.res == p.res) && (p.act == "*" || r.act == p.act) && r.now >= p.start && r.now <= p.end && r.budget < p.limit
`;

function policyLines(grant: NormalizedGrant): string[][] {
  const start = String(grant.tStart ?? Number.NEGATIVE_INFINITY);
  const end = String(grant.tEnd ?? Number.POSITIVE_INFINITY);
  const limit = String(grant.budgetLimit ?? Number.POSITIVE_INFINITY);
  return grant.actions.map((action) => [grant.scope, grant.resource, action, start, end, limit]);
}

async function loadEnforcers(workload: Workload): Promise<Map<string, Enforcer>> {
  const linesByAgent = new Map<string, string[][]>();
  for (const grant of workload.grants.map(workload.tables.normalize)) {
    const lines = linesByAgent.get(grant.agent) ?? [];
    lines.push(...policyLines(grant));
    linesByAgent.set(grant.agent, lines);
  }
  const enforcers = new Map<string, Enforcer>();
  for (const [agent, lines] of linesByAgent) {
    const enforcer = await newEnforcer(newModelFromString(MODEL));
    await enforcer.addPolicies(lines);
    enforcers.set(agent, enforcer);
  }
  return enforcers;
}

/** casbin 5, one enforcer per agent, over the first `SLOW_ENGINE_CHECKS` checks. */
export const casbinEngine: Engine = {
  name: 'casbin 5 (enforcer per agent)',
  checks: (workload) => Math.min(SLOW_ENGINE_CHECKS, workload.checks.n),
  async load(workload): Promise<LoadedEngine> {
    const enforcers = await loadEnforcers(workload);
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const answer = (index: number): boolean => {
      const enforcer = enforcers.get(AGENTS[agent[index] as number] as string);
      if (enforcer === undefined) return false;
      return enforcer.enforceSync(
        SCOPES[scope[index] as number],
        RESOURCES[resource[index] as number],
        ACTIONS[action[index] as number],
        now[index],
        budgetUsed[index],
      );
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
