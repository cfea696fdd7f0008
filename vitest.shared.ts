import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Resolve workspace packages to their TypeScript sources (the `warden-source` export
 * condition), so tests never need a build first.
 */
const sourceConditions = ['warden-source', 'module', 'node', 'development|production'];

const integrationGlob = '**/*.integration.test.ts';

/**
 * The vitest configuration every package shares: a `unit` project (`*.test.ts`) and an
 * `integration` project (`*.integration.test.ts`, talking to Docker, Redis or a network server).
 */
export function wardenVitestConfig(options: { integrationTimeoutMs?: number } = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions } },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
            exclude: [integrationGlob, '**/node_modules/**', '**/dist/**'],
            typecheck: { enabled: false },
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: [integrationGlob],
            exclude: ['**/node_modules/**', '**/dist/**'],
            testTimeout: options.integrationTimeoutMs ?? 60_000,
            hookTimeout: options.integrationTimeoutMs ?? 60_000,
          },
        },
      ],
    },
  });
}
