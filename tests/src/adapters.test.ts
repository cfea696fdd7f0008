import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = join(import.meta.dirname, '..', '..', 'packages');

/** What the repository expects of one adapter package. */
interface AdapterExpectation {
  /** The `create…` factories its entry point must export (empty until the adapter's issue lands). */
  factories: string[];
  /** The contract suites its contract test must run. */
  contracts: string[];
  /**
   * Where the contract runs: `src/contract.test.ts`, or `src/contract.integration.test.ts` for a
   * backend that needs Docker, Redis or a network service.
   */
  contractFile: 'src/contract.test.ts' | 'src/contract.integration.test.ts';
  /** `true`: the contract test must exist. `false`: it is checked only when present (adapter still landing). */
  contractRequired: boolean;
}

const UNIT = 'src/contract.test.ts';
const INTEGRATION = 'src/contract.integration.test.ts';

/**
 * Every adapter package and what it must provide. To make an adapter strict once it has landed,
 * list its factories and set `contractRequired: true`.
 */
const ADAPTERS: Record<string, AdapterExpectation> = {
  stubs: {
    factories: [
      'createStubSandbox',
      'createStubJITCredentialIssuer',
      'createStubKillSwitch',
      'createStubApprovalWorkflow',
      'createMemorySecretStore',
    ],
    contracts: [
      'runSandboxContract',
      'runJITCredentialIssuerContract',
      'runKillSwitchContract',
      'runApprovalWorkflowContract',
      'runSecretStoreContract',
    ],
    contractFile: UNIT,
    contractRequired: true,
  },
  'secrets-env': {
    factories: ['createEnvSecretStore'],
    contracts: ['runSecretStoreContract'],
    contractFile: UNIT,
    contractRequired: true,
  },
  'sandbox-docker': {
    factories: ['createDockerSandbox'],
    contracts: ['runSandboxContract'],
    contractFile: INTEGRATION,
    contractRequired: true,
  },
  'sandbox-codespaces': {
    factories: ['createGitHubSandbox', 'createGhSshTransport'],
    contracts: ['runSandboxContract'],
    contractFile: UNIT,
    contractRequired: true,
  },
  'credentials-github': {
    factories: ['createGitHubJITCredentialIssuer', 'createGitHubAppTokenIssuer'],
    contracts: ['runJITCredentialIssuerContract'],
    contractFile: UNIT,
    contractRequired: true,
  },
  'killswitch-redis': {
    factories: ['createRedisKillSwitch'],
    contracts: ['runKillSwitchContract'],
    contractFile: INTEGRATION,
    contractRequired: true,
  },
  approvals: {
    factories: ['createApprovalWorkflow'],
    contracts: ['runApprovalWorkflowContract'],
    contractFile: UNIT,
    contractRequired: true,
  },
  'approvals-redis': {
    factories: ['createRedisApprovalStore'],
    contracts: ['runApprovalWorkflowContract'],
    contractFile: INTEGRATION,
    contractRequired: true,
  },
};

/** Packages that are not adapters of a port. */
const NOT_ADAPTERS: readonly string[] = ['core', 'contract-tests', 'gateway', 'github-client'];

function readPackageJson(dir: string): Record<string, Record<string, string> | string | undefined> {
  return JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
}

describe.each(Object.entries(ADAPTERS))('adapter package %s', (dir, expected) => {
  const manifest = readPackageJson(dir);

  it('has a README with a title and an install line', () => {
    const readme = readFileSync(join(packagesDir, dir, 'README.md'), 'utf8');
    expect(readme).toMatch(new RegExp(`^# @warden/${dir}`));
    expect(readme).toContain(`pnpm add @warden/${dir}`);
  });

  it('lists @warden/core as a workspace:^ peer and dev dependency', () => {
    expect((manifest.peerDependencies as Record<string, string>)['@warden/core']).toBe('workspace:^');
    expect((manifest.devDependencies as Record<string, string>)['@warden/core']).toBe('workspace:^');
  });

  it('is an ESM package without side effects that publishes dist only', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.files).toEqual(['dist']);
  });

  for (const factory of expected.factories) {
    it(`exports its factory ${factory}()`, async () => {
      const module: Record<string, unknown> = await import(`@warden/${dir}`);
      expect(typeof module[factory]).toBe('function');
    });
  }

  const contractTest = join(packagesDir, dir, expected.contractFile);
  if (expected.contractRequired || existsSync(contractTest)) {
    it(`runs ${expected.contracts.join(', ')} in ${expected.contractFile}`, () => {
      expect(existsSync(contractTest), `${dir}/${expected.contractFile} is missing`).toBe(true);
      const source = readFileSync(contractTest, 'utf8');
      expect(source).toContain("from '@warden/contract-tests'");
      for (const contract of expected.contracts) expect(source).toMatch(new RegExp(`\\b${contract}\\(`));
    });
  }
});

describe('packages/', () => {
  it('lists every adapter package in ADAPTERS', () => {
    const directories = readdirSync(packagesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
      .map((entry) => entry.name)
      .filter((name) => !NOT_ADAPTERS.includes(name));
    expect(directories.sort()).toEqual(Object.keys(ADAPTERS).sort());
  });
});
