import path from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Resolve workspace packages to their TypeScript sources (the `warden-source` export
 * condition), so tests never need a build first.
 */
const sourceConditions = ['warden-source', 'module', 'node', 'development|production'];

const integrationGlob = '**/*.integration.test.ts';

/**
 * Timeouts guard against hangs, never against slowness: CI runs the whole suite on a loaded
 * two-core machine, where a test that takes 0.5 s alone can take 8 s (a fresh Node process that
 * imports a package, a property test with hundreds of runs, a fake that compiles validators).
 * Anything whose point is speed is a benchmark (`pnpm bench`), not a test.
 */
const UNIT_TIMEOUT_MS = 120_000;
const INTEGRATION_TIMEOUT_MS = 240_000;

/**
 * When `WARDEN_TEST_TIMINGS_DIR` is set, every vitest run also writes a JSON report there, so
 * `scripts/ci-reliability` can list the slowest tests of a run before one of them times out.
 */
function timingReporters(): Pick<NonNullable<ViteUserConfig['test']>, 'reporters'> {
  const directory = process.env.WARDEN_TEST_TIMINGS_DIR;
  if (!directory) return {};
  const packageName = path.basename(process.cwd());
  const file = path.join(directory, `${packageName}-${process.pid}-${Date.now()}.json`);
  return { reporters: ['default', ['json', { outputFile: file }]] };
}

/**
 * The vitest configuration every package shares: a `unit` project (`*.test.ts`) and an
 * `integration` project (`*.integration.test.ts`, talking to Docker, Redis or a network server).
 */
export function wardenVitestConfig(
  options: {
    integrationTimeoutMs?: number;
    /** Where the unit tests are, when not in `src/` and `test/`. */
    unitInclude?: string[];
  } = {},
): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions } },
    test: {
      ...timingReporters(),
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: options.unitInclude ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
            exclude: [integrationGlob, '**/node_modules/**', '**/dist/**'],
            typecheck: { enabled: false },
            testTimeout: UNIT_TIMEOUT_MS,
            hookTimeout: UNIT_TIMEOUT_MS,
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: [integrationGlob],
            exclude: ['**/node_modules/**', '**/dist/**'],
            testTimeout: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
            hookTimeout: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
          },
        },
      ],
    },
  });
}
