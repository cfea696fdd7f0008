/**
 * Cedar (`@cedar-policy/cedar-wasm`, the Node.js build) on the workload: one preparsed policy set
 * per agent, asked with `statefulIsAuthorized`. Each grant becomes one `permit` whose `when`
 * clause tests the request context (scope, time, budget). Cedar crosses into WebAssembly and
 * serializes every request, so it answers a fixed prefix of the stream (see `SLOW_ENGINE_CHECKS`).
 */
import { createRequire } from 'node:module';
import { type Engine, type LoadedEngine, SLOW_ENGINE_CHECKS } from './engine.js';
import type { NormalizedGrant, Workload } from './workload.js';

type CedarModule = typeof import('@cedar-policy/cedar-wasm/nodejs');

function loadCedar(): CedarModule {
  return createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as CedarModule;
}

function policyFor(grant: NormalizedGrant): string {
  const actions = grant.actions.includes('*')
    ? 'action'
    : `action in [${grant.actions.map((action) => `Action::${JSON.stringify(action)}`).join(', ')}]`;
  const resource = grant.resource === '*' ? 'resource' : `resource == Resource::${JSON.stringify(grant.resource)}`;
  const conditions = [`context.scope == ${JSON.stringify(grant.scope)}`];
  if (grant.tStart !== null) conditions.push(`context.now >= ${grant.tStart}`);
  if (grant.tEnd !== null) conditions.push(`context.now <= ${grant.tEnd}`);
  if (grant.budgetLimit !== null) conditions.push(`context.budgetUsed < ${grant.budgetLimit}`);
  return `permit(principal, ${actions}, ${resource}) when { ${conditions.join(' && ')} };`;
}

function preparsePolicySets(cedar: CedarModule, workload: Workload): void {
  const policiesByAgent = new Map<string, string[]>();
  for (const grant of workload.grants.map(workload.tables.normalize)) {
    const policies = policiesByAgent.get(grant.agent) ?? [];
    policies.push(policyFor(grant));
    policiesByAgent.set(grant.agent, policies);
  }
  for (const [agent, policies] of policiesByAgent) {
    const answer = cedar.preparsePolicySet(agent, { staticPolicies: policies.join('\n') });
    if (answer.type !== 'success')
      throw new Error(`Cedar rejected the policies of ${agent}: ${JSON.stringify(answer)}`);
  }
}

/** Cedar 4 (wasm), one policy set per agent, over the first `SLOW_ENGINE_CHECKS` checks. */
export const cedarEngine: Engine = {
  name: 'Cedar 4 wasm (policy set per agent)',
  checks: (workload) => Math.min(SLOW_ENGINE_CHECKS, workload.checks.n),
  load(workload): LoadedEngine {
    const cedar = loadCedar();
    preparsePolicySets(cedar, workload);
    const { AGENTS, SCOPES, RESOURCES, ACTIONS } = workload.tables;
    const { agent, scope, resource, action, now, budgetUsed, expected } = workload.checks;
    const answer = (index: number): boolean => {
      const response = cedar.statefulIsAuthorized({
        principal: { type: 'Agent', id: AGENTS[agent[index] as number] as string },
        action: { type: 'Action', id: ACTIONS[action[index] as number] as string },
        resource: { type: 'Resource', id: RESOURCES[resource[index] as number] as string },
        context: {
          scope: SCOPES[scope[index] as number] as string,
          now: now[index] as number,
          budgetUsed: budgetUsed[index] as number,
        },
        preparsedPolicySetId: AGENTS[agent[index] as number] as string,
        entities: [],
      });
      if (response.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(response.errors)}`);
      return response.response.decision === 'allow';
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
