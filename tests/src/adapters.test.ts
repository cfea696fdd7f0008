import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = join(import.meta.dirname, '..', '..', 'packages');

/**
 * Every adapter package: the port it implements, the factory it must export, and the contract
 * suite its `contract.test.ts` must run. `factory: undefined` marks an adapter whose issue has
 * not landed yet; the shape checks still apply to it.
 */
const ADAPTERS: Record<string, { factory: string | undefined; contract: string }> = {
  stubs: { factory: 'createStubKillSwitch', contract: 'runKillSwitchContract' },
  'sandbox-docker': { factory: undefined, contract: 'runSandboxContract' },
  'sandbox-codespaces': { factory: undefined, contract: 'runSandboxContract' },
  'credentials-github': { factory: undefined, contract: 'runJITCredentialIssuerContract' },
  'secrets-env': { factory: 'createEnvSecretStore', contract: 'runSecretStoreContract' },
  'killswitch-redis': { factory: 'createRedisKillSwitch', contract: 'runKillSwitchContract' },
  approvals: { factory: 'createApprovalWorkflow', contract: 'runApprovalWorkflowContract' },
  'approvals-redis': { factory: 'createRedisApprovalStore', contract: 'runApprovalWorkflowContract' },
};

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

  const factory = expected.factory;
  if (factory) {
    it(`exports its factory ${factory}()`, async () => {
      const module: Record<string, unknown> = await import(`@warden/${dir}`);
      expect(typeof module[factory]).toBe('function');
    });
  }

  const contractTest = join(packagesDir, dir, 'src', 'contract.test.ts');
  if (existsSync(contractTest)) {
    it(`runs ${expected.contract} in contract.test.ts`, () => {
      const source = readFileSync(contractTest, 'utf8');
      expect(source).toContain("from '@warden/contract-tests'");
      expect(source).toMatch(new RegExp(`\\b${expected.contract}\\(`));
    });
  }
});
