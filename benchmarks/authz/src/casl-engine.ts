/**
 * CASL (`@casl/ability`) on the workload: one ability per agent. Each grant becomes one rule on
 * subject type = scope, with MongoDB-style conditions for the resource, the time window (expiry
 * folded in by the workload's `normalize`) and the budget; `'*'` actions become CASL's `manage`.
 */
import { createMongoAbility, type MongoAbility, type MongoQuery } from '@casl/ability';
import type { Engine, LoadedEngine } from './engine.js';
import type { NormalizedGrant, Workload } from './workload.js';

interface Request {
  kind: string;
  resource: string;
  now: number;
  budgetUsed: number;
}

function ruleFor(grant: NormalizedGrant) {
  const conditions: MongoQuery = {};
  if (grant.resource !== '*') conditions.resource = grant.resource;
  if (grant.tStart !== null || grant.tEnd !== null) {
    conditions.now = {
      ...(grant.tStart === null ? {} : { $gte: grant.tStart }),
      ...(grant.tEnd === null ? {} : { $lte: grant.tEnd }),
    };
  }
  if (grant.budgetLimit !== null) conditions.budgetUsed = { $lt: grant.budgetLimit };
  const action = grant.actions.includes('*') ? 'manage' : grant.actions;
  return { action, subject: grant.scope, conditions };
}

function loadAbilities(workload: Workload): Map<string, MongoAbility> {
  const rulesByAgent = new Map<string, ReturnType<typeof ruleFor>[]>();
  for (const grant of workload.grants.map(workload.tables.normalize)) {
    const rules = rulesByAgent.get(grant.agent) ?? [];
    rules.push(ruleFor(grant));
    rulesByAgent.set(grant.agent, rules);
  }
  const abilities = new Map<string, MongoAbility>();
  const detectSubjectType = (subject: Request) => subject.kind;
  for (const [agent, rules] of rulesByAgent) {
    abilities.set(agent, createMongoAbility(rules, { detectSubjectType } as never));
  }
  return abilities;
}

/** CASL 7, one ability per agent, over the whole stream. */
export const caslEngine: Engine = {
  name: 'CASL 7 (ability per agent)',
  checks: (workload) => workload.checks.n,
  load(workload): LoadedEngine {
    const abilities = loadAbilities(workload);
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const request: Request = { kind: '', resource: '', now: 0, budgetUsed: 0 };
    const answer = (index: number): boolean => {
      const ability = abilities.get(AGENTS[agent[index] as number] as string);
      if (ability === undefined) return false;
      request.kind = SCOPES[scope[index] as number] as string;
      request.resource = RESOURCES[resource[index] as number] as string;
      request.now = now[index] as number;
      request.budgetUsed = budgetUsed[index] as number;
      return ability.can(ACTIONS[action[index] as number] as string, request as never);
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
