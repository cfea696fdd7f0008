import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { securityConfigSchema } from '@warden/core';
import { createMcpEnforcer, type WardenMcpConfigInput } from '@warden/mcp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleContext, exampleModules, RUNNABLE_EXAMPLES } from './readme-example-context.js';
import {
  type ExampleDiagnostics,
  type ReadmeExample,
  readmeExamples,
  readmePaths,
  runnableModule,
  typecheckExamples,
} from './readme-examples.js';

const examples = readmePaths().flatMap(readmeExamples);

/**
 * Blocks marked ```` ```ts unchecked ```` that the type check skips, by README: deliberate
 * fragments. Each one is listed here so that a new one is a visible decision; keep it rare.
 */
const UNCHECKED: Readonly<Record<string, number>> = {};

/** Code a README could show by mistake: a wrong argument, a missing export, a missing name. */
const MISTAKES: ReadmeExample[] = [
  "import { compareTrustLevel } from '@warden/core';\ncompareTrustLevel('owner', 42);\n",
  "import { notAnExport } from '@warden/core';\n",
  'undeclaredValue.run();\n',
].map((code) => ({ readme: 'mistakes.md', line: 1, code, unchecked: false }));

/**
 * A hang guard, not a speed check: one program over every package's sources takes about 15 s of
 * CPU, and a synchronous test that outlasts its timeout fails, so this must hold on a loaded
 * two-core machine.
 */
const TYPECHECK_TIMEOUT_MS = 600_000;

let checked: ExampleDiagnostics[] | undefined;
/** One program for every example and every mistake: building it is what takes time. */
function diagnostics(): ExampleDiagnostics[] {
  checked ??= typecheckExamples(
    [...examples.filter((example) => !example.unchecked), ...MISTAKES],
    exampleContext,
    exampleModules,
  );
  return checked;
}

describe('README TypeScript examples', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
  it('every package README is read, and the examples are found', () => {
    expect(readmePaths()).toContain('packages/core/README.md');
    expect(examples.length).toBeGreaterThan(20);
  });

  it('only the listed blocks are marked unchecked', () => {
    const marked: Record<string, number> = {};
    for (const example of examples.filter((candidate) => candidate.unchecked)) {
      marked[example.readme] = (marked[example.readme] ?? 0) + 1;
    }
    expect(marked).toEqual(UNCHECKED);
  });

  it('type-check against the packages’ public exports (strict, as user code)', () => {
    const errors = diagnostics()
      .filter((result) => !MISTAKES.includes(result.example))
      .flatMap((result) => result.errors);
    expect(errors).toEqual([]);
  });

  it('every value a README’s context declares is used by one of its examples', () => {
    const unused = readmePaths().flatMap((readme) => {
      const used = new Set(
        diagnostics()
          .filter((result) => result.example.readme === readme)
          .flatMap((result) => result.contextUsed),
      );
      return Object.keys(exampleContext(readme))
        .filter((name) => !used.has(name))
        .map((name) => `${readme}: ${name}`);
    });
    expect(unused).toEqual([]);
  });

  it('the check sees real types: a wrong argument, a missing export and a missing name fail', () => {
    const results = diagnostics().filter((result) => MISTAKES.includes(result.example));
    expect(results.map((result) => result.errors.map((error) => error.match(/TS\d+/)?.[0]))).toEqual([
      ['TS2345'],
      ['TS2305'],
      ['TS2304'],
    ]);
  });
});

describe('README examples that need no service', () => {
  // Inside the tests package, so the examples resolve `@warden/…` as the type check did.
  let directory = '';
  beforeAll(() => {
    directory = mkdtempSync(join(import.meta.dirname, '..', '.readme-run-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const runnable = RUNNABLE_EXAMPLES.map((spec) => ({
    spec,
    matches: examples.filter((example) => example.readme === spec.readme && example.code.startsWith(spec.firstLine)),
  }));

  it.each(runnable.map(({ spec, matches }) => [`${spec.readme}: ${spec.firstLine}`, matches.length] as const))(
    'each listed example is one block of its README (%s)',
    (_name, count) => {
      expect(count).toBe(1);
    },
  );

  it.each(
    runnable.map(({ spec, matches }, index) => [`${spec.readme}: ${spec.firstLine}`, spec, matches, index] as const),
  )('runs as written, returning what it shows (%s)', async (_name, spec, [example], index) => {
    if (!example) throw new Error(`${spec.readme} has no block starting ${spec.firstLine}`);
    const file = join(directory, `example-${index}.ts`);
    writeFileSync(file, runnableModule(example, spec.prelude, spec.postlude));
    await import(pathToFileURL(file).href);
  });

  it('a line showing a wrong result fails', async () => {
    const wrong: ReadmeExample = {
      readme: 'mistakes.md',
      line: 1,
      code: "import { createStubKillSwitch } from '@warden/stubs';\nawait createStubKillSwitch().isActive(); // true\n",
      unchecked: false,
    };
    const file = join(directory, 'mistake.ts');
    writeFileSync(file, runnableModule(wrong));
    await expect(import(pathToFileURL(file).href)).rejects.toThrow('mistakes.md:2: shows true, returns false');
  });
});

/** The ```json blocks of a README. */
function jsonBlocks(readme: string): unknown[] {
  const markdown = readFileSync(join(import.meta.dirname, '..', '..', readme), 'utf8');
  return [...markdown.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map(([, json = '']) => JSON.parse(json));
}

describe('README configuration examples', () => {
  it.each(['packages/core/README.md', 'packages/gateway/README.md'])(
    '%s: its SecurityConfig is accepted by securityConfigSchema',
    (readme) => {
      const [config] = jsonBlocks(readme);
      expect(config).toBeDefined();
      expect(securityConfigSchema.safeParse(config).error).toBeUndefined();
    },
  );

  it('packages/mcp/README.md: its warden-mcp.json is accepted by createMcpEnforcer', () => {
    const configs = jsonBlocks('packages/mcp/README.md').filter(
      (block) => typeof block === 'object' && block !== null && 'upstreams' in block,
    );
    expect(configs).toHaveLength(1);
    expect(() => createMcpEnforcer({ config: configs[0] as WardenMcpConfigInput })).not.toThrow();
  });
});
