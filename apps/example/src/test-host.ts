import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecurityEvent } from '@warden/core';
import { type AgentHostOptions, type RunningHost, startAgentHost } from './agent-host.js';
import { createDemoActors, demoConfig } from './demo-setup.js';
import { createHostClient, type HostClient } from './host-client.js';
import type { ScenarioActors } from './scenario.js';

/** A host started for a test, with the scenario's actors and a client. */
export interface TestHost {
  /** The listening host. */
  running: RunningHost;
  /** Talks to it. */
  client: HostClient;
  /** The operator and the two peers it knows about (or not). */
  actors: ScenarioActors;
  /** Every security event emitted so far, as the listeners saw it. */
  events: SecurityEvent[];
  /** Every event in the audit log; complete once the host is closed. */
  auditEvents(): Promise<SecurityEvent[]>;
  /** Closes the host and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * Starts a host on a free port with the scenario's identities. `env` decides the backends
 * (`{}`: stubs and memory stores), `sections` replaces configuration sections.
 */
export async function startTestHost(
  options: { env?: NodeJS.ProcessEnv; sections?: Record<string, unknown>; host?: AgentHostOptions } = {},
): Promise<TestHost> {
  const directory = mkdtempSync(join(tmpdir(), 'warden-example-test-'));
  const actors = createDemoActors();
  const auditLog = join(directory, 'audit');
  const config = demoConfig(actors, {
    auditLog,
    env: options.env ?? {},
    ...(options.sections ? { sections: options.sections } : {}),
  });
  const running = await startAgentHost(config, { onError: () => {}, ...options.host });
  // A Redis kill switch starts unknown, which denies everything until an operator releases it
  // (a new deployment and lost state look alike). The tests play that operator once.
  if (options.env?.REDIS_URL) await running.host.context.backends.killSwitch.deactivate({ actor: 'test-setup' });
  const events: SecurityEvent[] = [];
  running.host.context.events.on('security', (event) => events.push(event));
  return {
    running,
    events,
    client: createHostClient(running.url),
    actors,
    auditEvents: () => running.host.auditLog.events(),
    async dispose() {
      await running.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const appDirectory = fileURLToPath(new URL('..', import.meta.url));

/** Runs `pnpm demo`'s command in a child process, as a user would, and waits for it to exit by itself. */
export function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=warden-source', 'src/demo.ts'], {
      cwd: appDirectory,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}
