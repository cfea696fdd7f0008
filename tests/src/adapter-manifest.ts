import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The contract suite of each port, by the port name an adapter declares in its package.json
 * (`"warden": { "adapters": [{ "port": "kill-switch", "factory": "createRedisKillSwitch" }] }`).
 * `scripts/new-adapter.mjs` knows the same names.
 */
export const PORT_CONTRACTS = {
  sandbox: 'runSandboxContract',
  'kill-switch': 'runKillSwitchContract',
  'jit-credentials': 'runJITCredentialIssuerContract',
  'secret-store': 'runSecretStoreContract',
  'approval-workflow': 'runApprovalWorkflowContract',
  'approval-store': 'runApprovalStoreContract',
  'rate-limiter': 'runRateLimiterContract',
} as const;

/** A port an adapter can implement. */
export type PortName = keyof typeof PORT_CONTRACTS;

/** The services `scripts/services up` starts for integration tests. */
export const SERVICES: readonly string[] = ['docker', 'redis'];

/** What an adapter package says of itself in the `warden` field of its package.json. */
export interface AdapterManifest {
  /** Each port implementation the package exports, with its factory. */
  adapters: Array<{ port: PortName; factory: string }>;
  /** Services its contract tests need (they then run in the integration project). */
  services: string[];
}

/**
 * Reads and checks the `warden` field of the package in `directory`; `undefined` when the
 * package declares none (it is not an adapter). Throws, naming the package, on a malformed field.
 */
export function readAdapterManifest(directory: string): AdapterManifest | undefined {
  const packageJson = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const field = packageJson.warden;
  if (field === undefined) return undefined;
  const fail = (problem: string): never => {
    throw new Error(`${packageJson.name}: package.json "warden" ${problem}`);
  };
  if (!Array.isArray(field.adapters) || field.adapters.length === 0) fail('needs a non-empty "adapters" list');
  for (const adapter of field.adapters) {
    if (!Object.hasOwn(PORT_CONTRACTS, adapter?.port)) {
      fail(`names an unknown port ${JSON.stringify(adapter?.port)}; known: ${Object.keys(PORT_CONTRACTS).join(', ')}`);
    }
    if (typeof adapter.factory !== 'string' || !/^create[A-Z]\w*$/.test(adapter.factory)) {
      fail(`adapter factory ${JSON.stringify(adapter.factory)} must be a create… function name`);
    }
  }
  const services = field.services ?? [];
  if (!Array.isArray(services) || services.some((service: unknown) => typeof service !== 'string')) {
    fail('"services" must be a list of service names');
  }
  return { adapters: field.adapters, services };
}
