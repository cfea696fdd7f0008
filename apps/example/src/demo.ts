// `pnpm demo`: starts the host on a free loopback port, plays the scenario over HTTP, prints
// each step, shuts the host down and exits 0. With no DOCKER_HOST / REDIS_URL it runs on the
// embedded stubs and memory stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentHost } from './agent-host.js';
import { narrateAuditLog } from './demo-audit.js';
import { narrateStep } from './demo-narration.js';
import { createDemoActors, demoConfig } from './demo-setup.js';
import { createHostClient } from './host-client.js';
import { runMcpDemo } from './mcp-demo.js';
import { runScenario } from './scenario.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-demo-'));
const actors = createDemoActors();
const config = demoConfig(actors, { auditLog: process.env.WARDEN_AUDIT_LOG || join(directory, 'audit') });
const running = await startAgentHost(config, { onError: (error) => console.error('host error:', error) });
console.log(`Warden example agent host listening on ${running.url}; the scenario talks to it over HTTP.`);
try {
  const killSwitch = running.host.context.backends.killSwitch;
  if (killSwitch.providerId !== 'stub' && (await killSwitch.getState()).active) {
    // A new Redis kill switch (or one whose state was lost) is unknown and denies everything
    // until an operator releases it explicitly: the demo plays that operator once.
    console.log(`\n0. The kill switch in Redis has no released state yet: ${await killSwitch.getReason()}`);
    await killSwitch.deactivate({ actor: actors.operator.name });
    console.log(`   operator ${actors.operator.name} releases it explicitly: deactivate()`);
  }
  await runScenario(createHostClient(running.url), actors, (step) => console.log(narrateStep(step).join('\n')));
  const { backends, events } = running.host.context;
  await runMcpDemo({
    killSwitch,
    approvals: backends.workflow,
    events,
    operator: actors.operator.name,
    log: console.log,
  });
} catch (error) {
  console.error(`\nThe scenario failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await running.close();
}
try {
  console.log((await narrateAuditLog(running.host.auditLog)).join('\n'));
} catch (error) {
  console.error(`\nVerifying the audit log failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
if (!process.env.WARDEN_AUDIT_LOG) {
  rmSync(directory, { recursive: true, force: true });
  console.log('  (a temporary directory, now removed; set WARDEN_AUDIT_LOG to keep it)');
}
console.log(process.exitCode ? '\nDemo failed.' : '\nDemo finished: the host shut down cleanly.');
