/**
 * Policy checks per second on one core: `checkToolAccess` and `checkCapability` on a resolved
 * (cached) policy — target ≥ 2,000,000/s — next to the same checks through a `SecurityContext`,
 * denied checks (which emit events), and resolving from scratch on every call (what an
 * uncached engine, like the WOPR reference, pays).
 */
import {
  createCapabilityRegistry,
  createInjectionSource,
  createSecurityContext,
  createSecurityEngine,
  type InjectionSource,
} from '../src/index.js';
import { compilePolicy } from '../src/policy/resolve.js';
import { evaluateTool } from '../src/policy/tool-policy.js';

const TARGET = 2_000_000;
const registry = createCapabilityRegistry();
const engine = createSecurityEngine({
  registry,
  config: {
    defaults: { tools: { deny: ['mcp__danger__*'] } },
    trustLevels: { trusted: { capabilities: ['inject', 'inject.tools', 'inject.network', 'session.spawn'] } },
    sessions: {
      'code-assistant': { access: ['trust:trusted', 'session:p2p-gateway'], tools: { deny: ['NotebookEdit'] } },
      'p2p-gateway': { access: ['trust:untrusted'], gateway: { allowForwardTo: ['code-*'] } },
    },
  },
});
const sources: InjectionSource[] = [
  createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'MCowBQYDK2VwAyEA-peer-1' } }),
  createInjectionSource('api', { trustLevel: 'trusted', identity: { userId: 'key:0123456789abcdef' } }),
  createInjectionSource('cli'),
];
const session = 'code-assistant';
const allowedTools = ['Read', 'Write', 'Edit', 'Grep', 'WebFetch'];
const allowedCapabilities = ['inject', 'inject.tools', 'inject.network', 'session.spawn'];
const contexts = sources.map((source) => createSecurityContext(source, session, engine));

let sink = 0;

function measure(
  name: string,
  iterationsPerRound: number,
  body: (index: number) => boolean,
  unit = 'checks/s',
): number {
  const rates: number[] = [];
  for (let round = 0; round < 7; round += 1) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < iterationsPerRound; index += 1) if (body(index)) sink += 1;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(iterationsPerRound / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[3] ?? 0;
  console.log(`${name.padEnd(58)} ${Math.round(median).toLocaleString('en-US').padStart(12)} ${unit}`);
  return median;
}

const source = (index: number): InjectionSource => sources[index % 3] as InjectionSource;
const context = (index: number) => contexts[index % 3] as (typeof contexts)[number];
const tool = (index: number): string => allowedTools[index % 5] as string;
const capability = (index: number): string => allowedCapabilities[index % 4] as string;

// Warm the caches and the JIT before measuring.
for (let index = 0; index < 200_000; index += 1) {
  engine.checkToolAccess(source(index), session, tool(index));
  engine.checkCapability(source(index), session, capability(index));
}

console.log('policy checks, median of 7 rounds, one core (provisional: the machine is shared)\n');
const toolRate = measure(
  'engine.checkToolAccess (resolved, allowed)',
  2_000_000,
  (index) => engine.checkToolAccess(source(index), session, tool(index)).allowed,
);
const capabilityRate = measure(
  'engine.checkCapability (resolved, allowed)',
  2_000_000,
  (index) => engine.checkCapability(source(index), session, capability(index)).allowed,
);
measure('SecurityContext.isToolAllowed', 2_000_000, (index) => context(index).isToolAllowed(tool(index)));
measure('SecurityContext.hasCapability', 2_000_000, (index) => context(index).hasCapability(capability(index)));
measure(
  'engine.checkToolAccess (resolved, denied, emits an event)',
  200_000,
  (index) =>
    engine.checkToolAccess(sources[0] as InjectionSource, session, index % 2 ? 'Bash' : 'NotebookEdit').allowed,
);
measure(
  'engine.filterToolsByPolicy of 5 tools',
  400_000,
  (index) => engine.filterToolsByPolicy(allowedTools, source(index), session).length === 5,
  'calls/s',
);
measure(
  'engine.checkToolAccess, a new source object per check',
  1_000_000,
  (index) => engine.checkToolAccess({ ...source(index) }, session, tool(index)).allowed,
);
measure(
  'uncached: resolve the policy on every tool check',
  20_000,
  (index) => evaluateTool(compilePolicy(engine.getConfig(), registry, source(index), session), tool(index)).allowed,
);

const verdict = (rate: number) => (rate >= TARGET ? 'meets' : 'BELOW');
console.log(
  `\ntarget ${TARGET.toLocaleString('en-US')} checks/s: checkToolAccess ${verdict(toolRate)}, checkCapability ${verdict(capabilityRate)}`,
);
if (sink === 0) console.log('(no check allowed: the benchmark is wrong)');
