// Settings both mutation runs share. Stryker 9.6 (10 needs Node 22) with its vitest runner,
// named by its resolved path because pnpm does not hoist it where Stryker looks for plugins.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export function mutationConfig({ name, mutate, vitestConfig, ignorerPlugins = [], ignorers = [] }) {
  // WARDEN_MUTATION_TAG=sandbox (with --mutate on one port's files) keeps that run's report and
  // incremental results apart from the full run's.
  const report = process.env.WARDEN_MUTATION_TAG ? `${name}-${process.env.WARDEN_MUTATION_TAG}` : name;
  return {
    plugins: [require.resolve('@stryker-mutator/vitest-runner'), ...ignorerPlugins],
    ignorers,
    testRunner: 'vitest',
    vitest: { configFile: vitestConfig },
    mutate,
    coverageAnalysis: 'perTest',
    // The machine is small and shared: two sandboxes at most, generous timeouts.
    concurrency: Number(process.env.WARDEN_MUTATION_CONCURRENCY ?? 2),
    // Static mutants (module-level constants) need a fresh module graph per mutant: 10 % of the
    // mutants, 60 % of the time. They are reported as ignored and left out of the score;
    // WARDEN_MUTATION_STATIC=1 runs them too.
    ignoreStatic: process.env.WARDEN_MUTATION_STATIC !== '1',
    timeoutMS: 30_000,
    timeoutFactor: 3,
    tempDirName: `.stryker-tmp/${name}`,
    ignorePatterns: ['docs/api', 'apps', 'bench', '.bench', 'coverage', 'reports', '.turbo', '.services', '.tools'],
    reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${report}.json` },
    htmlReporter: { fileName: `reports/mutation/${report}.html` },
    thresholds: { high: 90, low: 85, break: null },
    // A re-run retests only the mutants whose code or covering tests changed since the last one.
    incremental: true,
    incrementalFile: `reports/mutation/${report}-incremental.json`,
  };
}
