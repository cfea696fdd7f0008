import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PORT_CONTRACTS, type PortName, readAdapterManifest, SERVICES } from './adapter-manifest.js';
import { factoryConfigTypes } from './factory-signatures.js';

const packagesDir = join(import.meta.dirname, '..', '..', 'packages');

/** Package-name prefixes that only adapters of a port use: such a package must describe itself. */
const ADAPTER_PREFIXES = ['sandbox-', 'killswitch-', 'approvals-', 'secrets-', 'credentials-', 'ratelimit-'];

const packageDirectories = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
  .map((entry) => entry.name)
  .sort();

const adapters = packageDirectories.flatMap((directory) => {
  const manifest = readAdapterManifest(join(packagesDir, directory));
  return manifest ? [{ directory, manifest }] : [];
});

/** Every test file of a package (unit and integration), by path relative to the package. */
function testFiles(directory: string): string[] {
  const root = join(packagesDir, directory);
  return ['src', 'test']
    .filter((folder) => existsSync(join(root, folder)))
    .flatMap((folder) =>
      readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.test.ts'))
        .map((file) => join(folder, file)),
    );
}

describe('packages/', () => {
  it('every package named like an adapter describes itself with a "warden" field in package.json', () => {
    const undeclared = packageDirectories.filter(
      (directory) =>
        ADAPTER_PREFIXES.some((prefix) => directory.startsWith(prefix)) &&
        !adapters.some((adapter) => adapter.directory === directory),
    );
    expect(undeclared).toEqual([]);
  });

  it('has adapters for every port a contract suite exists for', () => {
    const ports = new Set(adapters.flatMap(({ manifest }) => manifest.adapters.map((adapter) => adapter.port)));
    expect([...ports].sort()).toEqual(Object.keys(PORT_CONTRACTS).sort());
  });
});

describe.each(adapters)('adapter package $directory', ({ directory, manifest }) => {
  const root = join(packagesDir, directory);
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('has a README with a title and an install line', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toMatch(new RegExp(`^# @warden/${directory}`));
    expect(readme).toContain(`pnpm add @warden/${directory}`);
  });

  it('lists @warden/core as a workspace:^ peer and dev dependency', () => {
    expect(packageJson.peerDependencies?.['@warden/core']).toBe('workspace:^');
    expect(packageJson.devDependencies?.['@warden/core']).toBe('workspace:^');
  });

  it('is an ESM package without side effects that publishes dist only, under the project license', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.sideEffects).toBe(false);
    expect(packageJson.files).toEqual(['dist']);
    expect(packageJson.license).toBe('Apache-2.0');
    expect(existsSync(join(root, 'LICENSE'))).toBe(true);
  });

  for (const { port, factory } of manifest.adapters) {
    it(`exports its factory ${factory}() for the ${port} port`, async () => {
      const entry = pathToFileURL(join(root, 'src', 'index.ts')).href;
      const module: Record<string, unknown> = await import(entry);
      expect(typeof module[factory]).toBe('function');
    });

    const suite = PORT_CONTRACTS[port as PortName];
    it(`runs ${suite} in a contract test${manifest.services.length ? ' of the integration project' : ''}`, () => {
      const callers = testFiles(directory).filter((file) => {
        const source = readFileSync(join(root, file), 'utf8');
        return source.includes("from '@warden/contract-tests'") && new RegExp(`\\b${suite}\\(`).test(source);
      });
      expect(callers, `no test file of ${directory} runs ${suite}`).not.toEqual([]);
      if (manifest.services.length > 0) {
        expect(callers.some((file) => file.endsWith('.integration.test.ts'))).toBe(true);
      }
    });
  }

  it(`needs only services scripts/services starts (${SERVICES.join(', ')})`, () => {
    for (const service of manifest.services) expect(SERVICES).toContain(service);
  });
});

describe('factory arguments', () => {
  const factories = adapters.flatMap(({ directory, manifest }) =>
    manifest.adapters.map(({ factory }) => ({ directory, factory })),
  );
  const signatures = factoryConfigTypes(
    factories.map(({ directory, factory }) => ({ entry: join(packagesDir, directory, 'src', 'index.ts'), factory })),
  );

  it.each(signatures)('$factory takes one config object whose type ends in Config and is exported', (signature) => {
    expect(signature.found, `${signature.factory} is not exported from ${signature.entry}`).toBe(true);
    expect(signature.parameterCount).toBeLessThanOrEqual(1);
    if (signature.parameterCount === 0) return;
    expect(signature.configType).toMatch(/Config$/);
    expect(signature.configTypeExported, `${signature.configType} is not exported beside ${signature.factory}`).toBe(
      true,
    );
  });
});
