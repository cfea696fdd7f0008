import { createJsonFileConfigStore, createSecurityEngine } from '@warden/core';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { createDockerSandbox } from '@warden/sandbox-docker';
import { createToolRunner, type RunTool } from './tool-runner.ts';

/** The same runner on real backends: policy from a file, Docker sandboxes, a Redis kill switch. */
export async function createProductionToolRunner(): Promise<RunTool> {
  const engine = createSecurityEngine({
    store: createJsonFileConfigStore({ path: '/etc/agents/warden-security.json' }),
  });
  await engine.load(); // the only step that does I/O before the first call
  return createToolRunner({
    engine,
    sandbox: createDockerSandbox({ image: 'warden-sandbox:latest' }),
    killSwitch: createRedisKillSwitch({ url: process.env.REDIS_URL, name: 'global' }),
  });
}
