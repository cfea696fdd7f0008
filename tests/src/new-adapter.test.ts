import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAdapterManifest } from './adapter-manifest.js';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const script = join(repositoryRoot, 'scripts', 'new-adapter.mjs');

/** Runs the scaffold with argv (never through a shell) and reports its exit code and output. */
function newAdapter(args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const PORTS = [
  { port: 'sandbox', directory: 'sandbox-etcd', factory: 'createEtcdSandbox', suite: 'runSandboxContract' },
  {
    port: 'kill-switch',
    directory: 'killswitch-etcd',
    factory: 'createEtcdKillSwitch',
    suite: 'runKillSwitchContract',
  },
  {
    port: 'jit-credentials',
    directory: 'credentials-etcd',
    factory: 'createEtcdJITCredentialIssuer',
    suite: 'runJITCredentialIssuerContract',
  },
  {
    port: 'secret-store',
    directory: 'secrets-etcd',
    factory: 'createEtcdSecretStore',
    suite: 'runSecretStoreContract',
  },
  {
    port: 'approval-workflow',
    directory: 'approvals-etcd',
    factory: 'createEtcdApprovalWorkflow',
    suite: 'runApprovalWorkflowContract',
  },
  {
    port: 'approval-store',
    directory: 'approvals-etcd',
    factory: 'createEtcdApprovalStore',
    suite: 'runApprovalStoreContract',
  },
  {
    port: 'rate-limiter',
    directory: 'ratelimit-etcd',
    factory: 'createEtcdRateLimiter',
    suite: 'runRateLimiterContract',
  },
];

/** Fields every adapter's package.json shares with the reference adapter, `@warden/secrets-env`. */
const SHARED_FIELDS = ['license', 'type', 'sideEffects', 'files', 'types', 'exports', 'publishConfig', 'engines'];

describe('scripts/new-adapter.mjs <port> <backend> --root <dir>', () => {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'warden-new-adapter-'));
    mkdirSync(join(root, 'packages'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each(PORTS)('new-adapter $port etcd creates packages/$directory with a failing contract test', (expected) => {
    const result = newAdapter([expected.port, 'etcd', '--root', root]);
    expect(result.status, result.stderr).toBe(0);
    const directory = join(root, 'packages', expected.directory);
    const read = (path: string): string => readFileSync(join(directory, path), 'utf8');
    expect(readdirSync(directory).sort()).toEqual(
      [
        'LICENSE',
        'README.md',
        'package.json',
        'src',
        'tsconfig.build.json',
        'tsconfig.json',
        'vitest.config.ts',
      ].sort(),
    );

    const manifest = JSON.parse(read('package.json'));
    const reference = JSON.parse(readFileSync(join(repositoryRoot, 'packages', 'secrets-env', 'package.json'), 'utf8'));
    expect(manifest.name).toBe(`@warden/${expected.directory}`);
    for (const field of SHARED_FIELDS) expect(manifest[field], field).toEqual(reference[field]);
    expect(manifest.scripts).toMatchObject(reference.scripts);
    expect(manifest.peerDependencies).toEqual({ '@warden/core': 'workspace:^' });
    expect(manifest.devDependencies).toEqual({
      '@warden/contract-tests': 'workspace:*',
      '@warden/core': 'workspace:^',
    });
    expect(Object.keys(manifest.dependencies)).toEqual(['zod']);
    expect(readAdapterManifest(directory)).toEqual({
      adapters: [{ port: expected.port, factory: expected.factory }],
      services: [],
    });
    expect(manifest.repository.directory).toBe(`packages/${expected.directory}`);

    expect(read('README.md')).toMatch(new RegExp(`^# @warden/${expected.directory}\\n`));
    expect(read('README.md')).toContain(`pnpm add @warden/${expected.directory} @warden/core`);
    expect(read('src/index.ts')).toContain(expected.factory);
    const contractTest = read('src/contract.test.ts');
    expect(contractTest).toContain(`import { ${expected.suite} } from '@warden/contract-tests';`);
    expect(contractTest).toMatch(new RegExp(`\\b${expected.suite}\\(\\{`));
    expect(contractTest).toContain(`${expected.factory}(`);
    const factoryFile = readdirSync(join(directory, 'src')).find((file) => file.startsWith('etcd-'));
    const factorySource = read(`src/${factoryFile}`);
    expect(factorySource).toMatch(/throw new CapabilityUnsupportedError\(\{\s+message: '.+ is not implemented yet/);
    expect(factorySource).toMatch(new RegExp(`export function ${expected.factory}\\(\\s*config: \\w+Config = \\{\\}`));
    expect(factorySource).toContain('parseInput(configSchema, config');
  });

  it('new-adapter kill-switch etcd --service redis runs the contract in the integration project against Redis', () => {
    const result = newAdapter(['kill-switch', 'etcd', '--service', 'redis', '--root', root]);
    expect(result.status, result.stderr).toBe(0);
    const directory = join(root, 'packages', 'killswitch-etcd');
    expect(existsSync(join(directory, 'src', 'contract.test.ts'))).toBe(false);
    const contractTest = readFileSync(join(directory, 'src', 'contract.integration.test.ts'), 'utf8');
    expect(contractTest).toContain("describeWithService('redis'");
    expect(contractTest).toMatch(/\brunKillSwitchContract\(\{/);
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    expect(manifest.devDependencies['@warden/testing']).toBe('workspace:*');
    expect(manifest.scripts.test).toBe('vitest run --project unit --passWithNoTests');
    expect(readAdapterManifest(directory)?.services).toEqual(['redis']);
  });

  it('new-adapter writes the first-release changeset when the root keeps changesets, and never overwrites one', () => {
    mkdirSync(join(root, '.changeset'));
    const result = newAdapter(['kill-switch', 'etcd', '--root', root]);
    expect(result.status, result.stderr).toBe(0);
    const changeset = readFileSync(join(root, '.changeset', 'first-release-killswitch-etcd.md'), 'utf8');
    expect(changeset).toMatch(/^---\n"@warden\/killswitch-etcd": major\n---\n\nFirst release: `createEtcdKillSwitch`/);

    rmSync(join(root, 'packages', 'killswitch-etcd'), { recursive: true });
    const again = newAdapter(['kill-switch', 'etcd', '--root', root]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('first-release-killswitch-etcd.md already exists');
    expect(existsSync(join(root, 'packages', 'killswitch-etcd'))).toBe(false);
  });

  it('new-adapter killswitch etcd accepts the package prefix as the port', () => {
    expect(newAdapter(['killswitch', 'etcd', `--root=${root}`]).status).toBe(0);
    expect(existsSync(join(root, 'packages', 'killswitch-etcd', 'src', 'etcd-kill-switch.ts'))).toBe(true);
  });

  it.each([
    ['an unknown port', ['kill', 'etcd']],
    ['a port named after an Object property', ['constructor', 'etcd']],
    ['a backend that is not kebab-case', ['sandbox', 'Etcd']],
    ['a backend with a path', ['sandbox', '../escape']],
    ['a backend with shell syntax', ['sandbox', 'a;touch pwned']],
    ['a backend with a command substitution', ['sandbox', '$(id)']],
    ['a backend longer than 40 characters', ['sandbox', 'x'.repeat(41)]],
    ['one argument', ['sandbox']],
    ['three arguments', ['sandbox', 'etcd', 'extra']],
    ['an unknown option', ['sandbox', 'etcd', '--force']],
    ['an unknown service', ['sandbox', 'etcd', '--service', 'postgres']],
  ])('new-adapter with %s exits with 2, prints the usage and writes nothing', (_, args) => {
    const result = newAdapter([...args, '--root', root]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: pnpm new-adapter <port> <backend>');
    expect(readdirSync(join(root, 'packages'))).toEqual([]);
    expect(readdirSync(root)).toEqual(['packages']);
  });

  it('new-adapter over an existing package exits with 2 and changes nothing', () => {
    expect(newAdapter(['secret-store', 'etcd', '--root', root]).status).toBe(0);
    const readme = join(root, 'packages', 'secrets-etcd', 'README.md');
    const before = readFileSync(readme, 'utf8');
    const again = newAdapter(['secret-store', 'etcd', '--root', root]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(readme, 'utf8')).toBe(before);
  });
});
