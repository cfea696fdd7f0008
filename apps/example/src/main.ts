// `pnpm start`: runs the host until SIGINT or SIGTERM. Configuration: the JSON file named by
// WARDEN_EXAMPLE_CONFIG plus environment variables (see the README). With no operator configured,
// a token is generated for this run and printed once.
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '@warden/core';
import { startAgentHost } from './agent-host.js';
import { type HostConfig, loadHostConfig } from './config.js';
import { sha256Hex } from './source-identification.js';

async function configure(): Promise<{ config: HostConfig; generatedToken?: string }> {
  const config = await loadHostConfig();
  if (config.operators.length > 0) return { config };
  const generatedToken = randomBytes(24).toString('base64url');
  return {
    config: { ...config, operators: [{ name: 'operator', tokenSha256: sha256Hex(generatedToken) }] },
    generatedToken,
  };
}

try {
  const { config, generatedToken } = await configure();
  const running = await startAgentHost(config);
  const { choice } = running.host.context.backends;
  console.log(`Warden example agent host listening on ${running.url}`);
  console.log(`Operator console: ${running.url}/console`);
  console.log(
    `Backends: ${Object.entries(choice)
      .map(([port, backend]) => `${port} ${backend}`)
      .join(', ')}; audit log ${config.auditLog}`,
  );
  if (generatedToken) console.log(`No operator configured: this run's operator token is ${generatedToken}`);
  const stop = (signal: string) => {
    console.log(`${signal}: shutting down`);
    running.close().then(
      () => console.log('Stopped.'),
      (error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (!InvalidInputError.isInstance(error)) throw error;
  console.error(`Invalid configuration: ${error.message}`);
  for (const issue of error.issues) console.error(`  ${issue.path || '(root)'}: ${issue.message}`);
  process.exitCode = 1;
}
