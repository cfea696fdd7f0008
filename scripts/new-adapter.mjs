#!/usr/bin/env node
// Scaffolds a new adapter package: `pnpm new-adapter <port> <backend> [--service <name>] [--root <dir>]`.
//
// Creates packages/<prefix>-<backend>/ (for example `pnpm new-adapter kill-switch etcd` creates
// packages/killswitch-etcd/) with everything the repository checks: package.json describing the
// adapter (its `warden` field, which the repository's adapter test reads), the license, tsconfig
// files, vitest config, README, a factory whose config is parsed with zod and which throws a
// not-implemented WardenError, and a contract test already running the port's contract suite
// (in the integration project, against the real service, with `--service`), so the tests fail
// until the adapter is implemented. Implementing the factory is then all that is left.
//
// Arguments are validated against a fixed list and a kebab-case pattern, used only as file and
// identifier names, and never passed to a shell. Nothing is overwritten: an existing package
// directory is an error. `--root` (default: this repository) is where `packages/` lives.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The ports an adapter can implement, by the name given on the command line. */
const PORTS = {
  sandbox: { prefix: 'sandbox', port: 'Sandbox', suite: 'runSandboxContract', file: 'sandbox', clock: false },
  'kill-switch': {
    prefix: 'killswitch',
    port: 'KillSwitch',
    suite: 'runKillSwitchContract',
    file: 'kill-switch',
    clock: false,
  },
  'jit-credentials': {
    prefix: 'credentials',
    port: 'JITCredentialIssuer',
    suite: 'runJITCredentialIssuerContract',
    file: 'credential-issuer',
    clock: true,
  },
  'secret-store': {
    prefix: 'secrets',
    port: 'SecretStore',
    suite: 'runSecretStoreContract',
    file: 'secret-store',
    clock: false,
  },
  'approval-workflow': {
    prefix: 'approvals',
    port: 'ApprovalWorkflow',
    suite: 'runApprovalWorkflowContract',
    file: 'approval-workflow',
    clock: true,
  },
  'approval-store': {
    prefix: 'approvals',
    port: 'ApprovalStore',
    suite: 'runApprovalStoreContract',
    file: 'approval-store',
    clock: false,
  },
  'rate-limiter': {
    prefix: 'ratelimit',
    port: 'RateLimiter',
    suite: 'runRateLimiterContract',
    file: 'rate-limiter',
    clock: true,
  },
};

/**
 * The package-name prefixes are accepted as port names too (`killswitch` for `kill-switch`); a
 * prefix two ports share (`approvals`) names the first.
 */
const PORT_ALIASES = Object.fromEntries(
  Object.entries(PORTS)
    .reverse()
    .map(([name, port]) => [port.prefix, name]),
);

/** The services `scripts/services up` starts, with the variable that locates each. */
const SERVICES = { docker: 'DOCKER_HOST', redis: 'REDIS_URL' };

const BACKEND = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_BACKEND_LENGTH = 40;

const USAGE = `Usage: pnpm new-adapter <port> <backend> [--service <name>] [--root <dir>]

  <port>     one of: ${Object.keys(PORTS).join(', ')}
             (or the package prefix: ${Object.keys(PORT_ALIASES).join(', ')})
  <backend>  kebab-case, at most ${MAX_BACKEND_LENGTH} characters, for example "etcd" or "hashicorp-vault"
  --service  a service the contract test needs (${Object.keys(SERVICES).join(', ')}); repeatable. The contract
             test then runs in the integration project against the service scripts/services starts
  --root     the repository root whose packages/ directory receives the package (default: this repository)

Example: pnpm new-adapter kill-switch etcd   creates packages/killswitch-etcd/`;

class UsageError extends Error {}

/** Parses argv into `{ portName, backend, services, root }`, or throws a UsageError. */
function parseArguments(argv) {
  const positional = [];
  const services = [];
  let root = REPOSITORY_ROOT;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--service') {
      const value = argv[index + 1];
      if (!Object.hasOwn(SERVICES, value ?? '')) {
        throw new UsageError(`--service needs one of ${Object.keys(SERVICES).join(', ')}`);
      }
      if (!services.includes(value)) services.push(value);
      index += 1;
    } else if (argument === '--root') {
      const value = argv[index + 1];
      if (!value) throw new UsageError('--root needs a directory');
      root = resolve(value);
      index += 1;
    } else if (argument.startsWith('--root=')) {
      root = resolve(argument.slice('--root='.length));
    } else if (argument.startsWith('-')) {
      throw new UsageError(`Unknown option ${JSON.stringify(argument)}`);
    } else {
      positional.push(argument);
    }
  }
  if (positional.length !== 2) throw new UsageError('Expected exactly two arguments: <port> <backend>');
  const [givenPort, backend] = positional;
  const portName = Object.hasOwn(PORTS, givenPort)
    ? givenPort
    : Object.hasOwn(PORT_ALIASES, givenPort)
      ? PORT_ALIASES[givenPort]
      : undefined;
  if (!portName) throw new UsageError(`Unknown port ${JSON.stringify(givenPort)}`);
  if (backend.length > MAX_BACKEND_LENGTH || !BACKEND.test(backend)) {
    throw new UsageError(`Backend ${JSON.stringify(backend)} must be kebab-case, like "etcd" or "hashicorp-vault"`);
  }
  return { portName, backend, services, root };
}

/** `hashicorp-vault` → `HashicorpVault`. */
function pascalCase(kebab) {
  return kebab
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

const LINE_WIDTH = 120;

/** `oneLine` when it fits the formatter's line width, else `broken`, so the output is already formatted. */
function fitted(oneLine, broken) {
  return oneLine.split('\n').every((line) => line.length <= LINE_WIDTH) ? oneLine : broken;
}

/** Sorts names the way Biome organizes imports and exports (case-insensitively), so the output passes its check. */
function sortedLikeBiome(names) {
  return [...names].sort((left, right) => left.toLowerCase().localeCompare(right.toLowerCase()));
}

/** Every name the templates need, derived from the validated arguments. */
function namesFor(portName, backend, services) {
  const port = PORTS[portName];
  const directory = `${port.prefix}-${backend}`;
  const backendTitle = pascalCase(backend);
  return {
    ...port,
    portName,
    services,
    backend,
    directory,
    packageName: `@warden/${directory}`,
    factory: `create${backendTitle}${port.port}`,
    config: `${backendTitle}${port.port}Config`,
    sourceFile: `${backend}-${port.file}`,
    description: `${port.port} on ${backend}`,
  };
}

/** This repository, where the scaffold reads the versions and the license it hands on. */
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The zod version core uses, so the new package shares one copy with it. */
function zodVersion() {
  const core = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'packages', 'core', 'package.json'), 'utf8'));
  return core.dependencies.zod;
}

function packageJson(names) {
  const manifest = {
    name: names.packageName,
    version: '0.0.0',
    description: names.description,
    license: 'Apache-2.0',
    type: 'module',
    sideEffects: false,
    files: ['dist'],
    types: './dist/index.d.ts',
    exports: {
      '.': { 'warden-source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    publishConfig: {
      access: 'public',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    },
    repository: {
      type: 'git',
      url: 'git+https://github.com/warden-security/warden.git',
      directory: `packages/${names.directory}`,
    },
    engines: { node: '>=20.19.0' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      // An adapter whose contract needs a service may have no unit test yet.
      test: names.services.length > 0 ? 'vitest run --project unit --passWithNoTests' : 'vitest run --project unit',
      'test:integration': 'vitest run --project integration --passWithNoTests',
      'check:package': 'bash ../../scripts/check-package',
    },
    dependencies: { zod: zodVersion() },
    peerDependencies: { '@warden/core': 'workspace:^' },
    devDependencies: {
      '@warden/contract-tests': 'workspace:*',
      '@warden/core': 'workspace:^',
      ...(names.services.length > 0 ? { '@warden/testing': 'workspace:*' } : {}),
    },
    // Read by the repository's adapter test (tests/src/adapters.test.ts): which port this package
    // implements, with which factory, and which services its contract test needs.
    warden: { adapters: [{ port: names.portName, factory: names.factory }], services: names.services },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "noEmit": true,
    "allowImportingTsExtensions": true
  },
  "include": ["src", "test", "vitest.config.ts"]
}
`;

const TSCONFIG_BUILD = `{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": false,
    "rootDir": "src",
    "outDir": "dist",
    "customConditions": [],
    "allowImportingTsExtensions": false
  },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts", "src/**/*.test-d.ts"]
}
`;

const VITEST_CONFIG = `import type { ViteUserConfig } from 'vitest/config';
import { wardenVitestConfig } from '../../vitest.shared.ts';

const config: ViteUserConfig = wardenVitestConfig();
export default config;
`;

function readme(names) {
  return `# ${names.packageName}

\`${names.port}\` on ${names.backend}.

> Scaffolded by \`pnpm new-adapter\`: not implemented yet. Its contract tests fail until it is.

\`\`\`sh
pnpm add ${names.packageName} @warden/core
\`\`\`

## Usage

\`\`\`ts
import { ${names.factory} } from '${names.packageName}';

const adapter = ${names.factory}({});
\`\`\`

## Settings and environment variables

| setting | default | meaning |
|---|---|---|
| \`client\` | created and owned by the adapter | an injected client, never closed by the adapter |

## Errors

Every error is a \`WardenError\` from \`@warden/core\` with a stable \`code\`; see the \`${names.port}\` port's
documentation for what each method throws.

## API reference

Built with \`pnpm run docs\` into \`docs/api/\`.
`;
}

function factorySource(names) {
  const imported = sortedLikeBiome([
    names.port,
    'CapabilityUnsupportedError',
    'parseInput',
    ...(names.clock ? ['Clock'] : []),
  ]);
  const imports = imported
    .map((name) => (name === 'CapabilityUnsupportedError' || name === 'parseInput' ? name : `type ${name}`))
    .join(', ');
  const clockField = names.clock
    ? `
  /** Time source for expiry; the contract suite injects its own. @default Date.now */
  now?: Clock;`
    : '';
  const clockSchema = names.clock ? '\n    now: z.function().optional(),' : '';
  const signature = fitted(
    `export function ${names.factory}(config: ${names.config} = {}): ${names.port} {`,
    `export function ${names.factory}(\n  config: ${names.config} = {},\n): ${names.port} {`,
  );
  const message = `'${names.packageName} is not implemented yet (scaffolded by pnpm new-adapter)'`;
  return `import { ${imports} } from '@warden/core';
import { z } from 'zod';

/** Configuration of {@link ${names.factory}}. Document every field with its \`@default\`. */
export interface ${names.config} {
  /** A client to use instead of creating one; never closed by the adapter. Replace \`unknown\` with its type. */
  client?: unknown;${clockField}
}

/** Parsed once by the factory; an unknown or malformed field fails with a message that names it. */
const configSchema = z.strictObject({
  client: z.unknown().optional(),${clockSchema}
});

/**
 * Creates a \`${names.port}\` on ${names.backend}. Synchronous and without I/O: connect lazily on first use.
 *
 * @throws {@link CapabilityUnsupportedError} until the adapter is implemented.
 */
${signature}
  const parsed = parseInput(configSchema, config, '${names.backend} ${names.file.replace(/-/g, ' ')} config');
  void parsed;
  throw new CapabilityUnsupportedError({
${fitted(`    message: ${message},`, `    message:\n      ${message},`)}
  });
}
`;
}

function indexSource(names) {
  const members = sortedLikeBiome([names.factory, names.config]).map((name) =>
    name === names.factory ? name : `type ${name}`,
  );
  const exported = fitted(
    `export { ${members.join(', ')} } from './${names.sourceFile}.js';`,
    `export {\n${members.map((member) => `  ${member},\n`).join('')}} from './${names.sourceFile}.js';`,
  );
  return `/**
 * \`${names.packageName}\`: \`${names.port}\` on ${names.backend}.
 *
 * @packageDocumentation
 */
${exported}
`;
}

/** The \`createSubject\` entry of the contract test, for a port whose suite moves a clock or not. */
function subjectSource(names, indent) {
  const pad = (text) =>
    text
      .split('\n')
      .map((line) => (line ? indent + line : line))
      .join('\n');
  if (names.clock) {
    return pad(`createSubject: async () => {
  // The suite moves time through \`clock\` instead of sleeping; the adapter reads it through \`now\`.
  let time = Date.UTC(2026, 0, 1);
  const subject = ${names.factory}({ now: () => time });
  const clock = {
    advance: (milliseconds: number) => {
      time += milliseconds;
    },
  };
  return { subject, clock, cleanup: async () => {} };
},`);
  }
  const oneLine = `createSubject: async () => ({ subject: ${names.factory}({}), cleanup: async () => {} }),`;
  return fitted(
    pad(oneLine),
    pad(`createSubject: async () => ({\n  subject: ${names.factory}({}),\n  cleanup: async () => {},\n}),`),
  );
}

function contractTestSource(names) {
  const note =
    names.suite === 'runApprovalWorkflowContract'
      ? "// Configure every tier's time-to-live as APPROVAL_CONTRACT_TTL_MS from @warden/contract-tests.\n"
      : '';
  if (names.services.length === 0) {
    return `import { ${names.suite} } from '@warden/contract-tests';
import { ${names.factory} } from './${names.sourceFile}.js';

${note}${names.suite}({
  name: '${names.backend}',
${subjectSource(names, '  ')}
});
`;
  }
  // One service locates the suite (describeWithService fails under CI when it is missing and
  // skips loudly elsewhere); pass its address to the factory when you implement it.
  const [service] = names.services;
  return `import { ${names.suite} } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { ${names.factory} } from './${names.sourceFile}.js';

${note}describeWithService('${service}', '${names.packageName} contract', (${service}Address) => {
  void ${service}Address; // ${SERVICES[service]}: hand it to ${names.factory} once it connects
  ${names.suite}({
    name: '${names.backend}',
${subjectSource(names, '    ')}
  });
});
`;
}

/** The files of the new package, by path relative to the package directory. */
function packageFiles(names) {
  const contractFile = names.services.length > 0 ? 'src/contract.integration.test.ts' : 'src/contract.test.ts';
  return {
    'package.json': packageJson(names),
    'tsconfig.json': TSCONFIG,
    'tsconfig.build.json': TSCONFIG_BUILD,
    'vitest.config.ts': VITEST_CONFIG,
    'README.md': readme(names),
    'src/index.ts': indexSource(names),
    [`src/${names.sourceFile}.ts`]: factorySource(names),
    [contractFile]: contractTestSource(names),
  };
}

function main(argv) {
  const { portName, backend, services, root } = parseArguments(argv);
  const names = namesFor(portName, backend, services);
  const packagesDirectory = join(root, 'packages');
  if (!existsSync(packagesDirectory)) throw new UsageError(`${packagesDirectory} does not exist`);
  const target = join(packagesDirectory, names.directory);
  if (existsSync(target)) throw new UsageError(`${target} already exists; nothing was changed`);
  const changesetFile = join(root, '.changeset', `first-release-${names.directory}.md`);
  if (existsSync(changesetFile)) throw new UsageError(`${changesetFile} already exists; nothing was changed`);
  mkdirSync(join(target, 'src'), { recursive: true });
  for (const [path, content] of Object.entries(packageFiles(names))) {
    writeFileSync(join(target, path), content, { flag: 'wx' });
  }
  copyFileSync(join(REPOSITORY_ROOT, 'LICENSE'), join(target, 'LICENSE'));
  const changeset = writeChangeset(root, names);
  const linked = linkWorkspace(root);
  console.log(`Created ${names.packageName} in ${target}${changeset ? `\nWrote its first-release changeset ${changeset}` : ''}

Next steps:
${linked ? '' : '  0. pnpm install                                   (links the new workspace package)\n'}  1. implement ${names.factory} in src/${names.sourceFile}.ts (and say what it does in its README)
  2. pnpm --filter ${names.packageName} test${names.services.length ? ':integration' : ''}  (${names.suite} fails until you implement it)
  3. npm test                                       (every repository check, as CI runs them)
The repository's adapter test finds the package through the "warden" field of its package.json.`);
}

/**
 * Writes the package's first-release changeset into `<root>/.changeset/`, so the repository's
 * changeset check passes without a further step. Returns its path, or undefined when the root
 * keeps no changesets.
 */
function writeChangeset(root, names) {
  const directory = join(root, '.changeset');
  if (!existsSync(directory)) return undefined;
  const file = join(directory, `first-release-${names.directory}.md`);
  const text = `---\n"${names.packageName}": major\n---\n\nFirst release: \`${names.factory}\`, a ${names.port} on ${names.backend}.\n`;
  writeFileSync(file, text, { flag: 'wx' });
  return file;
}

/**
 * Links the new package into this repository's workspace (`pnpm install`, which also records it
 * in the lockfile). Only for this repository: a `--root` elsewhere is left for its owner to install.
 * Arguments are fixed; nothing reaches a shell.
 */
function linkWorkspace(root) {
  if (root !== REPOSITORY_ROOT) return false;
  execFileSync('pnpm', ['install', '--prefer-offline'], { cwd: root, stdio: 'inherit' });
  return true;
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`new-adapter: ${error.message}\n\n${USAGE}`);
  process.exitCode = 2;
}
