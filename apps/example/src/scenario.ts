import { type Caller, callerName, type HostClient, type HostResponse } from './host-client.js';

/** The people and agents of the scenario. */
export interface ScenarioActors {
  /** An operator (owner) with a token. */
  operator: Extract<Caller, { kind: 'operator' }>;
  /** A peer the host knows and trusts. */
  trustedPeer: Extract<Caller, { kind: 'peer' }>;
  /** A peer the host has never seen: untrusted. */
  discoveredPeer: Extract<Caller, { kind: 'peer' }>;
}

/** One request of a step and its answer. */
export interface Exchange extends HostResponse {
  /** Who sent it. */
  caller: string;
  /** HTTP method. */
  method: string;
  /** Path. */
  path: string;
  /** The JSON body sent, if any. */
  payload?: unknown;
}

/** One step of the scenario. */
export interface ScenarioStep {
  /** 1-based. */
  number: number;
  /** What the step shows. */
  title: string;
  /** Its requests, in order. */
  exchanges: Exchange[];
}

type Call = (caller: Caller, method: string, path: string, payload: unknown, expected: number) => Promise<HostResponse>;

/** The owner's command: says who it runs as and whether the run's credential reached it, never the credential itself. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, run inside the sandbox
const OWNER_COMMAND = 'echo "running as uid $(id -u)"; echo "JIT credential present: ${WARDEN_JIT_TOKEN:+yes}"';

/**
 * Plays the scripted scenario over HTTP: an owner runs a command; a trusted peer is refused
 * `Bash`, gets `inject.exec` delegated and runs; a discovered peer's request waits for approval,
 * is approved by an operator and runs in the sandbox; a tool outside policy is blocked; the kill
 * switch stops everything, then is released. Each step is passed to `narrate` as it completes.
 *
 * @throws an `Error` naming the step when a response has another status than expected.
 */
export async function runScenario(
  client: HostClient,
  actors: ScenarioActors,
  narrate: (step: ScenarioStep) => void,
): Promise<ScenarioStep[]> {
  const steps: ScenarioStep[] = [];
  const step = async (title: string, body: (call: Call) => Promise<void>) => {
    const current: ScenarioStep = { number: steps.length + 1, title, exchanges: [] };
    steps.push(current);
    await body(async (caller, method, path, payload, expected) => {
      const response = await client.send(caller, method, path, payload);
      current.exchanges.push({
        caller: callerName(caller),
        method,
        path,
        ...(payload === undefined ? {} : { payload }),
        ...response,
      });
      if (response.status !== expected) {
        throw new Error(
          `Step ${current.number} (${title}): expected ${expected} from ${method} ${path}, got ${response.status} ${JSON.stringify(response.body)}`,
        );
      }
      return response;
    });
    narrate(current);
  };
  await playScenario(step, actors);
  return steps;
}

async function playScenario(
  step: (title: string, body: (call: Call) => Promise<void>) => Promise<void>,
  { operator, trustedPeer, discoveredPeer }: ScenarioActors,
): Promise<void> {
  const trustedAgent = `p2p:${trustedPeer.keys.publicKey}`;
  await step('The host is up', async (call) => {
    await call({ kind: 'anonymous' }, 'GET', '/health', undefined, 200);
  });
  await step('The owner runs a command: direct access, sandboxed, with a JIT credential for the run', async (call) => {
    await call(
      operator,
      'POST',
      '/sessions/code-assistant/messages',
      { message: 'Who am I in the sandbox?', tool: 'Bash', command: OWNER_COMMAND },
      200,
    );
  });
  await step('A trusted peer may not run Bash: it lacks inject.exec', async (call) => {
    await call(trustedPeer, 'POST', '/sessions/code-assistant/check', { capability: 'inject.exec' }, 200);
    await call(
      trustedPeer,
      'POST',
      '/sessions/code-assistant/messages',
      { message: 'Run the tests', tool: 'Bash', command: ['echo', 'tests pass'] },
      403,
    );
  });
  await step('The code-assistant agent delegates inject.exec to the trusted peer for 10 minutes', async (call) => {
    const delegation = {
      from: 'agent:code-assistant',
      to: trustedAgent,
      session: 'code-assistant',
      capabilities: ['inject.exec'],
      ttl: '10m',
    };
    await call(operator, 'POST', '/capabilities/delegations', delegation, 201);
    await call(trustedPeer, 'GET', '/sessions/code-assistant/whoami', undefined, 200);
    await call(
      trustedPeer,
      'POST',
      '/sessions/code-assistant/messages',
      { message: 'Run the tests', tool: 'Bash', command: ['echo', 'tests pass'] },
      200,
    );
  });
  let requestId = '';
  await step(
    'A discovered peer asks for a command: routed through p2p-gateway, it waits for approval',
    async (call) => {
      const queued = await call(
        discoveredPeer,
        'POST',
        '/sessions/code-runner/messages',
        { message: 'Please count the files', tool: 'Bash', command: 'ls / | wc -l' },
        202,
      );
      requestId = String(queued.body.requestId);
      await call(discoveredPeer, 'POST', `/approvals/${requestId}/approve`, undefined, 403);
    },
  );
  await step('An operator reviews the request and approves it: it runs in the tightest sandbox', async (call) => {
    await call(operator, 'GET', '/approvals', undefined, 200);
    await call(operator, 'POST', `/approvals/${requestId}/approve`, undefined, 200);
  });
  await step('A tool outside policy is blocked, delegated capabilities or not', async (call) => {
    await call(
      trustedPeer,
      'POST',
      '/sessions/code-assistant/messages',
      { message: 'Fetch the docs', tool: 'WebFetch' },
      403,
    );
  });
  await step('The operator pulls the kill switch: everything stops', async (call) => {
    await call(operator, 'POST', '/kill-switch/activate', { reason: 'Demo: suspicious activity' }, 200);
    await call(
      operator,
      'POST',
      '/sessions/code-assistant/messages',
      { message: 'One more', tool: 'Bash', command: 'true' },
      503,
    );
    await call(trustedPeer, 'POST', '/sessions/code-assistant/messages', { message: 'Hello' }, 503);
    await call(discoveredPeer, 'POST', '/sessions/code-runner/messages', { message: 'Anyone there?' }, 503);
    await call({ kind: 'anonymous' }, 'GET', '/health', undefined, 200);
  });
  await step('The operator releases the switch', async (call) => {
    await call(operator, 'POST', '/kill-switch/deactivate', undefined, 200);
    await call({ kind: 'anonymous' }, 'GET', '/health', undefined, 200);
  });
}
